"""A second real definition: a school's monthly report (workflows/school_report.py), whose subject is
a school and a month, not a pupil. It runs on the same engine, deadline service, audit chain, API and
pages as dropout, with nothing of it in app/. The toy `library` definition below checks the engine's
own rules (guards, effects, roles, refusals at start-up) on a definition built in the test."""
import copy
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from wtforms import DateField, IntegerField
from wtforms.validators import DataRequired, InputRequired

from app import clock, create_app
from app.auth.actor import Actor
from app.auth.scope import load_case_in_scope, unit_by_code
from app.deadlines import actions, calendar, timers
from app.engine import definition, machine
from app.engine.operations import fire, open_case
from app.errors import Invalid, NotAllowedNow, NotPermitted
from app.extensions import db
from app.auth.roles import ROLES
from app.models import Case, CaseEvent, Deadline, Notification, User
from forms.base import BaseForm, long_text, short_text
from tests.deadline_helpers import remind_on_time
from tests.web import Browser, form_fields
from workflows.school_report import DEFINITION as SCHOOL_REPORT

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 2, 2, 0)                # Monday 2 November 2026, 10:00 in Shanghai
DUE = datetime(2026, 11, 30, 15, 59, 59)        # the 28th is a Saturday: end of Monday the 30th
REMIND = datetime(2026, 11, 27, 1, 0)           # 09:00 the working day before
LEVEL2 = datetime(2026, 12, 2, 15, 59, 59)      # +2 working days: the bureau head
FIGURES = {"enrolled": 900, "dropouts_found": 2, "returned": 1, "note": "两名学生外出务工"}


# ---------------------------------------------------------------- helpers

def school(code: str) -> int:
    return unit_by_code(code).id


def report_body(app, code="SA", month="2026-11") -> dict:
    with app.app_context():
        return {"workflow": "school_report", "school_id": school(code), "month": month}


def open_report(bx, as_="school_admin", code="SA", month="2026-11") -> dict:
    r = bx.post("/cases", report_body(bx.app, code, month), as_=as_)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def step(bx, case, trigger, as_, **data) -> dict:
    body = {**data, "version": bx.case(case["id"])["version"]}
    r = bx.post(f"/cases/{case['id']}/transitions/{trigger}", body, as_=as_)
    assert r.status_code == 200, (trigger, r.status_code, r.get_json())
    return r.get_json()


def deadlines(bx, case) -> list:
    return [(d["clock"], d["due_at"]) for d in bx.case(case["id"])["open_deadlines"]]


def inbox(bx, user) -> list:
    return [(n["kind"], n["level"], n["case_id"]) for n in
            reversed(bx.get("/notifications", as_=user).get_json()["items"])]


@pytest.fixture
def t0(app):
    clock.freeze(T0)
    return T0


@pytest.fixture
def browser(app, district):
    sessions = {}

    def as_(username: str) -> Browser:
        if username not in sessions:
            sessions[username] = Browser(app, username)
        return sessions[username]
    return as_


# ---------------------------------------------------------------- through the API

def test_a_report_is_opened_submitted_returned_and_acknowledged_through_the_api(app, bx, t0, runner):
    case = open_report(bx)
    assert (case["workflow"], case["state"], case["version"]) == ("school_report", "drafting", 1)
    assert case["month"] == "2026-11-01" and case["figures"] is None
    # due by the 28th of the report's month, counted from its first day; the 28th is a Saturday
    assert deadlines(bx, case) == [("submission", DUE.isoformat() + "Z")]

    # the figures are checked: whole numbers, none negative, no more dropouts than pupils
    r = bx.post(f"/cases/{case['id']}/transitions/submit_report", {**FIGURES, "returned": -1, "version": 1},
                as_="school_admin")
    assert r.status_code == 422 and list(r.get_json()["fields"]) == ["returned"]
    r = bx.post(f"/cases/{case['id']}/transitions/submit_report", {**FIGURES, "enrolled": "900", "version": 1},
                as_="school_admin")
    assert r.status_code == 422 and "enrolled" in r.get_json()["fields"]
    r = bx.post(f"/cases/{case['id']}/transitions/submit_report", {**FIGURES, "dropouts_found": 901, "version": 1},
                as_="school_admin")
    assert r.status_code == 422 and list(r.get_json()["fields"]) == ["dropouts_found"]
    # the school submits, the bureau answers
    r = bx.post(f"/cases/{case['id']}/transitions/submit_report", {**FIGURES, "version": 1}, as_="bureau")
    assert r.status_code == 403
    r = bx.post(f"/cases/{case['id']}/transitions/acknowledge", {"version": 1}, as_="bureau")
    assert r.status_code == 409 and r.get_json()["allowed"] == []

    case = step(bx, case, "submit_report", "school_admin", **FIGURES)
    assert case["state"] == "submitted"
    assert case["figures"] == {"enrolled": 900, "dropouts_found": 2, "returned": 1}
    assert [c for c, _ in deadlines(bx, case)] == ["review"]  # the bureau's turn, 5 working days

    r = bx.post(f"/cases/{case['id']}/transitions/return_for_correction", {"version": case["version"]},
                as_="bureau")
    assert r.status_code == 422 and list(r.get_json()["fields"]) == ["reason"]
    case = step(bx, case, "return_for_correction", "bureau", reason="复学人数与学籍系统不一致")
    # back to drafting, the clock again: still due by the month's 28th
    assert case["state"] == "drafting" and case["closed_at"] is None
    assert deadlines(bx, case) == [("submission", DUE.isoformat() + "Z")]

    case = step(bx, case, "submit_report", "school_admin", **{**FIGURES, "returned": 2})
    case = step(bx, case, "acknowledge", "bureau", note="已核对")
    assert case["state"] == "acknowledged" and case["closed_at"] is not None
    assert case["figures"]["returned"] == 2 and bx.case(case["id"])["open_deadlines"] == []

    events = bx.events(case["id"])
    assert [e["action"] for e in events] == ["open", "submit_report", "return_for_correction", "submit_report", "acknowledge"]
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
    out = runner.invoke(args=["audit", "verify"])
    assert out.exit_code == 0 and "ok: 5 events, every chain holds" in out.output, out.output


def test_one_open_report_per_school_and_month(app, bx, t0):
    first = open_report(bx)
    r = bx.post("/cases", report_body(app), as_="bureau")
    assert r.status_code == 409 and r.get_json()["open_case_id"] == first["id"]
    # another month, another school: other reports; a dropout case is not in the way either
    assert open_report(bx, month="2026-10")["id"] != first["id"]
    assert open_report(bx, as_="bureau", code="SB")["state"] == "drafting"
    assert bx.open(as_="school_admin", detected_on="2026-11-02")["workflow"] == "dropout"  # no "workflow": the first, dropout
    # once acknowledged, the month's report is closed and the school may open it again (a late correction)
    step(bx, first, "submit_report", "school_admin", **FIGURES)
    step(bx, first, "acknowledge", "bureau")
    assert open_report(bx)["id"] > first["id"]


def test_a_report_is_scoped_to_its_school(app, bx, t0):
    case = open_report(bx)
    # another school's admin, and a class teacher of the school itself, hold no grant over the school
    for who in ("other_admin", "teacher"):
        assert bx.get(f"/cases/{case['id']}", as_=who).status_code == 404, who
        r = bx.post(f"/cases/{case['id']}/transitions/submit_report", {**FIGURES, "version": 1}, as_=who)
        assert r.status_code == 404, who
    assert bx.get(f"/cases/{case['id']}", as_="head").status_code == 200  # the district sees every school
    # opening: only a school in the opener's scope, only a school, only a month that has begun
    r = bx.post("/cases", report_body(app, "SA", "2026-10"), as_="other_admin")
    assert r.status_code == 422 and "school_id" in r.get_json()["fields"]
    r = bx.post("/cases", report_body(app, "SA-7-1"), as_="school_admin")
    assert r.status_code == 422 and "school_id" in r.get_json()["fields"]
    r = bx.post("/cases", report_body(app, "SA", "2026-12"), as_="school_admin")
    assert r.status_code == 422 and "month" in r.get_json()["fields"]
    r = bx.post("/cases", report_body(app, "SA", "11/2026"), as_="school_admin")
    assert r.status_code == 422 and "month" in r.get_json()["fields"]
    r = bx.post("/cases", report_body(app), as_="teacher")  # a class teacher may not open one
    assert r.status_code in (403, 422)
    r = bx.post("/cases", {**report_body(app), "workflow": "no_such_workflow"}, as_="school_admin")
    assert r.status_code in (404, 422)


# ---------------------------------------------------------------- the pages

def test_the_work_list_shows_the_due_report_to_the_school_admin(app, bx, t0, browser):
    case = open_report(bx)
    clock.freeze(REMIND)  # within the work list's horizon of working days
    page = browser("school_admin").text("/work")
    assert f"/cases/{case['id']}" in page and "SA中学" in page
    assert f"/cases/{case['id']}" not in browser("other_admin").text("/work")
    step(bx, case, "submit_report", "school_admin", **FIGURES)
    assert f"/cases/{case['id']}" in browser("bureau").text("/work")     # now the bureau's turn


def test_case_and_timeline_pages_show_the_school_and_month_and_no_pupil(app, bx, t0, browser):
    case = open_report(bx)
    admin = browser("school_admin")
    page = admin.text(f"/cases/{case['id']}")
    assert "SA中学" in page and "2026-11" in page
    assert 'id="pupil"' not in page and "学籍号" not in page
    assert "/cases/{}/actions/submit_report".format(case["id"]) in page and 'name="dropouts_found"' in page
    assert "月报报送" in page  # the clock, as a deadline
    data = form_fields(FIGURES)
    data["version"], data["seen_seq"] = "1", "0"
    r = admin.post(f"/cases/{case['id']}/actions/submit_report", data)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert bx.case(case["id"])["state"] == "submitted"
    bad = form_fields({**FIGURES, "enrolled": "-3"})
    bad["version"], bad["seen_seq"] = "2", "0"
    assert admin.post(f"/cases/{case['id']}/actions/submit_report", bad).status_code == 409  # no longer drafting

    bureau = browser("bureau")
    page = bureau.text(f"/cases/{case['id']}")
    assert "/cases/{}/actions/acknowledge".format(case["id"]) in page
    assert "/cases/{}/actions/return_for_correction".format(case["id"]) in page
    timeline = bureau.text(f"/cases/{case['id']}/timeline")
    assert "SA中学" in timeline and "2026-11" in timeline and 'id="pupil"' not in timeline
    assert browser("other_admin").get(f"/cases/{case['id']}").status_code == 404
    assert browser("other_admin").get(f"/cases/{case['id']}/timeline").status_code == 404
    assert bureau.get("/cases/{}/timeline.csv".format(case["id"])).status_code == 200
    assert bureau.post("/language", {"lang": "en", "next": f"/cases/{case['id']}"}).status_code == 302
    page = bureau.text(f"/cases/{case['id']}")
    assert "Acknowledge" in page and "Return for correction" in page


def test_the_workflow_is_drawn_and_listed(bx):
    r = bx.get("/workflows/school_report")
    assert r.status_code == 200
    body = r.get_json()
    assert [s["name"] for s in body["states"]] == ["drafting", "submitted", "acknowledged"]


# ---------------------------------------------------------------- deadlines

def test_the_ladder_reminds_the_school_then_the_bureau_then_its_head(app, bx, t0):
    case = open_report(bx)
    with app.app_context():
        for at, expect in [(REMIND, "reminder"), (DUE, "overdue"), (LEVEL2, "escalated")]:
            clock.freeze(at + timedelta(seconds=2))
            actions.sweep()
            db.session.remove()
    assert inbox(bx, "school_admin") == [("reminder", 0, case["id"])]
    assert inbox(bx, "bureau") == [("overdue", 1, case["id"])]
    assert inbox(bx, "head") == [("escalated", 2, case["id"])]
    assert inbox(bx, "other_admin") == [] and inbox(bx, "teacher") == []
    detail = bx.case(case["id"])
    assert detail["escalation_level"] == 2 and detail["overdue"] is True
    # a late report is still taken; the bureau's review clock has no ladder: overdue, no one above
    step(bx, case, "submit_report", "school_admin", **FIGURES)
    review = next(d for d in bx.case(case["id"])["open_deadlines"] if d["clock"] == "review")
    remind_on_time(app)
    with app.app_context():
        clock.freeze(datetime.fromisoformat(review["due_at"].rstrip("Z")) + timedelta(seconds=2))
        actions.sweep()
        actions.sweep()  # twice: nothing more to do
        db.session.remove()
    assert inbox(bx, "bureau")[-2:] == [("reminder", 0, case["id"]), ("overdue", 1, case["id"])]
    assert inbox(bx, "head") == [("escalated", 2, case["id"])]  # nobody above the review
    with app.app_context():
        row = db.session.execute(select(Deadline).where(Deadline.case_id == case["id"],
                                                        Deadline.clock == "review")).scalar_one()
        assert (row.status, row.level, row.next_action) == ("open", 1, None)
    step(bx, case, "acknowledge", "bureau")
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def _alarm_in(app, case_id: int, remind_s: int, due_s: int) -> datetime:
    """Bring the report's reminder `remind_s` seconds and its due time `due_s` seconds from now, and set
    the reminder's alarm (what the tick would do as they come near)."""
    now = clock.now().replace(microsecond=0)
    remind, due = now + timedelta(seconds=remind_s), now + timedelta(seconds=due_s)
    with app.app_context():
        db.session.execute(update(Deadline).where(Deadline.case_id == case_id, Deadline.clock == "submission")
                           .values(remind_at=remind, due_at=due, next_action="remind", next_action_at=remind))
        db.session.commit()
        timers.schedule(app, [(case_id, "submission", 0, "remind", remind)])
    return due


def test_a_real_worker_reminds_the_school_and_tells_the_bureau_when_the_report_is_late(
        app, bx, database_url, redis_url, tmp_path):
    # this month's report (the clock is not frozen: the worker runs on real time)
    case = open_report(bx, month=calendar.local_date(clock.now()).strftime("%Y-%m"))
    due = _alarm_in(app, case["id"], 3, 6)
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, BAOXUE_INSTANCE=str(tmp_path))
    worker = subprocess.Popen([sys.executable, "worker.py", "--no-cron"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        kinds = []
        limit = time.monotonic() + 45
        while time.monotonic() < limit and "overdue" not in kinds:
            time.sleep(0.5)
            with app.app_context():
                kinds = db.session.execute(select(Notification.kind).where(
                    Notification.case_id == case["id"]).order_by(Notification.id)).scalars().all()
                db.session.remove()
        assert kinds == ["reminder", "overdue"], kinds
    finally:
        worker.terminate()
        out = worker.communicate(timeout=20)[0].decode(errors="replace")
    assert inbox(bx, "school_admin") == [("reminder", 0, case["id"])], out[-2000:]
    assert inbox(bx, "bureau") == [("overdue", 1, case["id"])]
    with app.app_context():
        at = db.session.execute(select(CaseEvent.at).where(CaseEvent.case_id == case["id"],
                                                           CaseEvent.action == "overdue")).scalar_one()
    assert 0 <= (at - due).total_seconds() <= 5
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


# ---------------------------------------------------------------- the engine's own rules, on a toy

class OpenForm(BaseForm):
    student_id = IntegerField("学生", [InputRequired()])
    detected_on = DateField("日期", [DataRequired()])


class LendForm(BaseForm):
    book = short_text("书名")


class ReturnForm(BaseForm):
    condition = long_text("品相")


def at_most_three_loans(ctx):
    """A pupil borrows at most three times."""
    if ctx.vars.get("loans", 0) >= 3:
        return {"book": "too many loans"}


def count_loan(ctx):
    ctx.vars["loans"] = ctx.vars.get("loans", 0) + 1


TOY = {
    "name": "library", "initial": "shelved",
    "subject": {"kind": "pupil", "field": "student_id"},
    "open": {"roles": ["class_teacher"], "form": OpenForm, "dated_by": "detected_on"},
    "states": [{"name": "shelved"}, {"name": "lent"}, {"name": "lost", "final": True}],
    "triggers": [
        {"name": "lend", "source": "shelved", "dest": "lent", "roles": ["class_teacher"], "form": LendForm,
         "guards": [at_most_three_loans], "effects": [count_loan]},
        {"name": "give_back", "source": "lent", "dest": "shelved", "roles": ["class_teacher"], "form": ReturnForm},
        {"name": "write_off", "source": "*", "dest": "lost", "roles": ["school_admin"], "form": None},
    ],
    "clocks": [{"name": "due_back", "starts_on": "lent", "due": [{"working_days": 10}], "met_by": ["give_back"],
                "while_in": ["lent"]}],
}


@pytest.fixture
def toy(app):
    return machine.register(definition.build(TOY, ROLES))


def actor(name):
    return Actor(db.session.execute(db.select(User).where(User.username == name)).scalar_one())


def test_toy_workflow_runs_on_the_same_engine(app, district, toy):
    with app.app_context():
        teacher, admin = actor("teacher"), actor("school_admin")
        case = db.session.get(Case, open_case(teacher, {"student_id": district.pupils[0],
                                                          "detected_on": "2026-09-01"}, workflow="library"))
        assert (case.state, case.version, case.workflow) == ("shelved", 1, "library")
        for n in range(3):
            fire(case, "lend", teacher, {"book": f"西游记 {n}"}, version=case.version)
            assert case.state == "lent" and [d.clock for d in case.open_deadlines] == ["due_back"]
            fire(case, "give_back", teacher, {"condition": "good"}, version=case.version)
        with pytest.raises(Invalid) as err:
            fire(case, "lend", teacher, {"book": "红楼梦"}, version=case.version)
        assert err.value.fields == {"book": "too many loans"}
        with pytest.raises(NotPermitted):
            fire(case, "write_off", teacher, {}, version=case.version)
        with pytest.raises(NotAllowedNow):
            fire(case, "give_back", teacher, {"condition": "x"}, version=case.version)
        fire(case, "write_off", admin, {}, version=case.version)
        assert case.state == "lost" and case.closed_at is not None
        loaded = load_case_in_scope(teacher, case.id)
        assert loaded.vars == {"loans": 3}
    r = app.test_client().get("/api/v1/workflows/library", headers={"Authorization": f"Bearer {district.tokens['teacher']}"})
    assert [s["name"] for s in r.get_json()["states"]] == ["shelved", "lent", "lost"]


def test_each_definition_is_compiled_once(app, toy):
    before = machine.get("dropout").machine
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert machine.get("dropout").machine is before
    assert machine.get("library") is toy
    assert machine.get("school_report").name == "school_report"


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d.update(initial="nowhere"), "initial state"),
    (lambda d: d["triggers"][0].update(dest="moon"), "unknown destination"),
    (lambda d: d["triggers"][0].update(roles=["wizard"]), "unknown role"),
    (lambda d: d["triggers"][0].update(form=dict), "WTForms"),
    (lambda d: d["clocks"][0].update(met_by=["vanish"]), "unknown trigger"),
    (lambda d: d["clocks"][0].update(due=[{"weeks": 2}]), "due point"),
    (lambda d: d["triggers"][2].update(source="lost"), "is final"),
    (lambda d: d.pop("open"), "lacks"),
])
def test_inconsistent_definitions_are_refused_at_start_up(mutate, message):
    raw = copy.deepcopy({k: v for k, v in TOY.items()})
    raw["triggers"] = [dict(t) for t in TOY["triggers"]]
    raw["clocks"] = [dict(c) for c in TOY["clocks"]]
    mutate(raw)
    with pytest.raises(definition.DefinitionError, match=message):
        definition.build(raw, ROLES)


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["clocks"][0].update(counts_from="first_of_month"), "unknown case date"),
    (lambda d: d["clocks"][0].update(due=[{"day_of_month": 28, "working_days": 2}]), "due point"),
    (lambda d: d["clocks"][1].update(remind=["janitor"]), "unknown remind role"),
])
def test_the_school_report_is_checked_like_any_definition(mutate, message):
    raw = copy.deepcopy(SCHOOL_REPORT)
    mutate(raw)
    with pytest.raises(definition.DefinitionError, match=message):
        definition.build(raw, ROLES)
    assert definition.build(copy.deepcopy(SCHOOL_REPORT), ROLES).name == "school_report"
