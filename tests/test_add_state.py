"""Adding a state with its own clock to dropout touches only workflow and form data: the fixture below
copies workflows/dropout.py's definition, puts a case conference (个案会商) between the joint return and
the re-enrolment, with its form and a 5-working-day clock, lists it in workflows.ALL as the dropout
definition and loads the workflows as start-up does. Nothing in app/ is changed or patched; the API,
the case page, the deadlines and the timeline serve the new state."""
import copy

import pytest
from sqlalchemy import select
from wtforms import DateField
from wtforms.validators import DataRequired

import workflows
from app import load_workflows
from app.deadlines import actions
from app.engine import definition, machine
from app.extensions import db
from app.models import Deadline, Notification
from app.auth.roles import ROLES
from forms.base import BaseForm, long_text, names_field
from tests.deadline_helpers import remind_on_time
from tests.web import Browser, form_fields
from workflows.dropout import DEFINITION as DROPOUT


class ConferenceForm(BaseForm):
    held_on = DateField("会商日期", [DataRequired()])
    participants = names_field("参会单位")
    decision = long_text("会商意见")


CONFERENCE = {"held_on": None, "participants": ["教育局", "乡镇政府", "派出所"], "decision": "由乡镇牵头送教上门"}


def with_conference(raw: dict) -> dict:
    """The dropout definition with a case conference between joint_return and re_enrolled."""
    new = copy.deepcopy(raw)
    states = [s["name"] for s in new["states"]]
    joint = new["states"][states.index("joint_return")]
    # still out of school and a dropout for the reports, like the joint return it follows
    new["states"].insert(states.index("joint_return") + 1, {
        "name": "case_conference", "zh": "个案会商", "en": "Case conference", "main": True,
        **({"marks": list(joint["marks"])} if "marks" in joint else {})})
    triggers = {t["name"]: t for t in new["triggers"]}
    new["triggers"].insert(list(triggers).index("re_enroll"), {
        "name": "hold_conference", "zh": "召开个案会商", "en": "Hold a case conference",
        "source": "joint_return", "dest": "case_conference", "roles": ["bureau_officer"], "form": ConferenceForm,
        "occurred_on": "held_on", "dates": {"held_on": {"not_before": ["detected_on"]}}})
    # the way out, and what a case in joint_return keeps doing while its conference runs
    for name in ("re_enroll", "verify", "add_note", "assign"):
        sources = triggers[name]["source"]
        if sources != "*":
            triggers[name]["source"] = list(sources if isinstance(sources, list) else [sources]) + ["case_conference"]
    verification = next(c for c in new["clocks"] if c["name"] == "verification")
    verification["while_in"] = verification["while_in"] + ["case_conference"]
    new["clocks"].append({
        "name": "conference_follow_through", "zh": "会商决定落实", "en": "Conference follow-through",
        "starts_on": "case_conference", "due": [{"working_days": 5}], "met_by": ["re_enroll"],
        "while_in": ["case_conference"], "remind": ["school_admin"],
        "ladder": [{"level": 1, "after_working_days": 0, "notify": ["bureau_officer"]},
                   {"level": 2, "after_working_days": 2, "notify": ["bureau_head"]}]})
    return new


@pytest.fixture
def conference(app, monkeypatch):
    """workflows.ALL with the extended dropout (its first, default workflow), loaded as at start-up."""
    extended = with_conference(DROPOUT)
    monkeypatch.setattr(workflows, "ALL", [extended] + [w for w in workflows.ALL if w is not DROPOUT])
    load_workflows()
    assert "case_conference" in machine.get("dropout").states
    yield machine.get("dropout")
    monkeypatch.undo()
    machine.register(definition.build(DROPOUT, ROLES))  # the stock definition again, for the next test
    assert "case_conference" not in machine.get("dropout").states


def test_the_extended_definition_is_checked_like_the_stock_one():
    broken = with_conference(DROPOUT)
    broken["clocks"][-1]["met_by"] = ["conclude_conference"]
    with pytest.raises(definition.DefinitionError, match="unknown trigger"):
        definition.build(broken, ROLES)


def test_a_case_walks_into_the_conference_and_out_through_api_and_pages(app, bx, conference):
    case = bx.case_in("joint_return")
    assert "hold_conference" in bx.case(case["id"], as_="bureau")["available_transitions"]
    r = bx.fire(case["id"], "hold_conference", "school_admin", data=CONFERENCE, held_on=case["detected_on"])
    assert r.status_code == 403  # the bureau's step
    officer = Browser(app, "bureau")
    page = officer.text(f"/cases/{case['id']}")
    assert f"/cases/{case['id']}/actions/hold_conference" in page and "召开个案会商" in page
    # through the page, as staff do it
    data = form_fields({**CONFERENCE, "held_on": case["detected_on"]})
    data["version"], data["seen_seq"] = str(case["version"]), "0"
    r = officer.post(f"/cases/{case['id']}/actions/hold_conference", data)
    assert r.status_code == 302, r.get_data(as_text=True)[:800]

    detail = bx.case(case["id"])
    assert detail["state"] == "case_conference"
    # its own clock opens; the bureau's verification clock goes on through the conference
    assert sorted(d["clock"] for d in detail["open_deadlines"]) == ["conference_follow_through", "verification"]
    admin = Browser(app, "school_admin")
    page = admin.text(f"/cases/{case['id']}")
    assert "个案会商" in page and "会商决定落实" in page             # the state, its clock as a deadline
    assert f"/cases/{case['id']}/actions/re_enroll" in page        # the way out is offered
    assert "会商决定落实" in admin.text("/work")                     # and on the work list, coming up

    # the clock reminds and escalates like any other
    remind_on_time(app)
    with app.app_context():
        reminded = db.session.execute(select(Deadline.clock).join(Notification, Notification.deadline_id == Deadline.id)
                                      .where(Notification.case_id == case["id"], Notification.kind == "reminder")
                                      ).scalars().all()
    assert "conference_follow_through" in reminded

    case = bx.step(case["id"], "re_enroll", "school_admin")
    assert case["state"] == "re_enrolled"
    assert [d["clock"] for d in case["open_deadlines"]] == ["follow_up"] * 3
    steps = [e["action"] for e in bx.events(case["id"]) if e["actor"] != "system"]
    assert steps[-2:] == ["hold_conference", "re_enroll"]
    met = bx.events(case["id"])[-1]["data"]["deadlines"]["met"]
    assert [m["clock"] for m in met] == ["conference_follow_through"]
    timeline = admin.text(f"/cases/{case['id']}/timeline")
    assert "召开个案会商" in timeline or "个案会商" in timeline
    assert [s["name"] for s in bx.get("/workflows/dropout").get_json()["states"]].index("case_conference") == 4
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
    with app.app_context():
        assert actions.sweep() is not None  # the sweep knows the new clock


def test_a_case_opened_before_the_change_goes_on_as_before(app, bx, conference):
    """Cases that never enter the new state are not touched by it: the main path still runs."""
    case = bx.case_in("joint_return")
    case = bx.step(case["id"], "re_enroll", "school_admin")
    assert case["state"] == "re_enrolled"
