"""A case about a unit, not a pupil: the engine resolves the definition's subject from the open form,
scopes the case to it, keeps one open case per (workflow, subject key), stores the workflow's own fields,
counts a clock to a day of the month, and a clock with neither ladder nor reminder falls due quietly."""
import copy
from datetime import date, datetime

import pytest
from sqlalchemy import select
from wtforms import IntegerField
from wtforms.validators import InputRequired

from app import clock
from app.audit import chain as audit
from app.deadlines import actions, calendar, clocks
from app.engine import definition, machine
from app.extensions import db
from app.models import Deadline
from app.auth.roles import ROLES
from forms.base import BaseForm, short_text

NOV_2 = datetime(2026, 11, 2, 2, 0)  # Monday 2 November 2026, 10:00 in Shanghai


class MonthForm(BaseForm):
    school_id = IntegerField("学校", [InputRequired()])
    month = short_text("月份")


class PagesForm(BaseForm):
    pages = IntegerField("页数", [InputRequired()])


def take_pages(ctx):
    ctx.set("pages", ctx.data["pages"])


def set_what_is_not_a_field(ctx):
    ctx.set("reasons", ["economic"])


UNIT_MONTH = {
    "name": "unit_month", "initial": "due",
    "subject": {"kind": "unit", "field": "school_id", "unit_kinds": ["school"], "key": ["month"]},
    "open": {"roles": ["school_admin", "bureau_officer"], "form": MonthForm},
    "fields": {"pages": {"default": 0}},
    "states": [{"name": "due"}, {"name": "submitted", "final": True}],
    "triggers": [
        {"name": "submit", "source": "due", "dest": "submitted", "roles": ["school_admin"], "form": PagesForm,
         "effects": [take_pages]},
        {"name": "scribble", "source": "due", "dest": None, "roles": ["school_admin"], "form": None,
         "effects": [set_what_is_not_a_field]},
    ],
    # due by the 28th, with no reminder and no ladder: it falls due and escalates no further
    "clocks": [{"name": "monthly", "starts_on": "due", "due": [{"day_of_month": 28}], "met_by": ["submit"]}],
}


@pytest.fixture
def unit_month(app):
    return machine.register(definition.build(UNIT_MONTH, ROLES))


def school_id(app, code="SA"):
    from app.auth.scope import unit_by_code
    with app.app_context():
        return unit_by_code(code).id


def open_month(bx, school, month="2026-11", as_="school_admin"):
    return bx.post("/cases", {"workflow": "unit_month", "school_id": school, "month": month}, as_=as_)


def test_a_case_about_a_school_month(bx, app, unit_month):
    clock.freeze(NOV_2)
    sa = school_id(app)
    r = open_month(bx, sa)
    assert r.status_code == 201, r.get_json()
    case = r.get_json()
    assert (case["workflow"], case["state"], case["pupil"], case["pages"], case["opened_on"]) == (
        "unit_month", "due", None, 0, "2026-11-02")
    assert "reasons" not in case and "detected_on" not in case
    # due by the 28th: a Saturday in November 2026, so the next working day
    [deadline] = case["open_deadlines"]
    assert (deadline["clock"], deadline["due_at"][:10]) == ("monthly", "2026-11-30")
    # one open case per school and month; another month is another subject
    again = open_month(bx, sa)
    assert again.status_code == 409 and again.get_json()["open_case_id"] == case["id"]
    assert open_month(bx, sa, "2026-12").status_code == 201
    # the case is the school's: another school's admin neither opens nor sees it
    other = open_month(bx, sa, as_="other_admin")
    assert other.status_code == 422 and "school_id" in other.get_json()["fields"]
    assert bx.get(f"/cases/{case['id']}", as_="other_admin").status_code == 404
    # an effect sets the workflow's own field
    done = bx.post(f"/cases/{case['id']}/transitions/submit", {"version": 1, "pages": 12}, as_="school_admin")
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["state"], done.get_json()["pages"]) == ("submitted", 12)
    events = bx.get(f"/cases/{case['id']}/timeline", as_="school_admin").get_json()["events"]
    assert [e["action"] for e in events] == ["open", "submit"]
    with app.app_context():
        assert audit.verify()["ok"]


def test_only_a_unit_of_the_named_kinds_is_a_subject(bx, app, unit_month):
    klass = school_id(app, "SA-7-1")
    r = open_month(bx, klass)
    assert r.status_code == 422 and r.get_json()["fields"] == {"school_id": "您的范围内没有这个单位 / no such unit "
                                                                              "in your scope"}


def test_an_effect_may_set_only_the_workflows_fields(app, district, unit_month):
    from app.auth.actor import Actor
    from app.engine.operations import fire, open_case
    from app.models import User
    with app.app_context():
        admin = Actor(db.session.execute(select(User).where(User.username == "school_admin")).scalar_one())
        case_id = open_case(admin, {"school_id": school_id(app), "month": "2026-11"}, "unit_month")
        with pytest.raises(ValueError, match="may not set case.reasons"):
            fire(case_id, "scribble", admin, {}, version=1)


@pytest.mark.parametrize("workflow", ["nope", 5, ["unit_month"]])
def test_an_unknown_workflow_is_refused_naming_the_field(bx, workflow):
    r = bx.post("/cases", {"workflow": workflow, "student_id": bx.pupil(), "detected_on": "2026-11-02"},
                as_="teacher")
    assert r.status_code == 422 and "workflow" in r.get_json()["fields"]


def test_no_workflow_means_the_first(bx):
    case = bx.open()
    assert case["workflow"] == "dropout" and {"reasons", "confirmed", "detected_on"} <= set(case)


def test_a_clock_without_ladder_or_reminder_falls_due_and_stops(bx, app, unit_month):
    clock.freeze(NOV_2)
    case = open_month(bx, school_id(app)).get_json()
    with app.app_context():
        row = db.session.execute(select(Deadline).where(Deadline.case_id == case["id"])).scalar_one()
        assert (row.next_action, row.remind_at) == ("due", None)
        due_id, due_at = row.id, row.next_action_at
        db.session.remove()
        assert actions.act(due_id, "due", due_at, now=due_at) == "overdue"
        row = db.session.get(Deadline, due_id)
        assert (row.status, row.level, row.next_action, row.next_action_at) == ("open", 1, None, None)
        assert audit.verify()["ok"]
    assert bx.case(case["id"])["escalation_level"] == 1


@pytest.mark.parametrize("start, n, due", [
    (date(2026, 11, 2), 28, date(2026, 11, 30)),    # the 28th is a Saturday: the next working day
    (date(2026, 11, 28), 28, date(2026, 11, 30)),   # on the day itself
    (date(2026, 11, 29), 28, date(2026, 12, 28)),   # past it: next month's
    (date(2026, 12, 29), 5, date(2027, 1, 5)),      # over the year's end
    (date(2027, 2, 1), 31, date(2027, 3, 1)),       # a short month: its last day (a Sunday), then Monday
])
def test_day_of_month_due_points(app, start, n, due):
    with app.app_context():
        assert clocks.due_date(start, {"day_of_month": n}) == due == calendar.day_of_month(start, n)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["clocks"][0].update(due=[{"day_of_month": 32}]), "due point"),
    (lambda d: d["clocks"][0].update(due=[{"day_of_month": 28, "months": 1}]), "due point"),
    (lambda d: d.update(subject={"kind": "unit", "field": "school", "unit_kinds": ["school"]}),
     "'school' is not a field of the open form"),
    (lambda d: d.update(subject={"kind": "unit", "field": "school_id"}), "names its unit_kinds"),
    (lambda d: d.update(subject={"kind": "transfer", "field": "school_id"}), "subject: kind is one of"),
    (lambda d: d["open"].update(dated_by="month"), "'month' is not a date field"),
])
def test_a_definition_with_a_wrong_subject_or_due_point_is_refused(change, message):
    raw = copy.deepcopy(UNIT_MONTH)
    change(raw)
    with pytest.raises(definition.DefinitionError, match=message):
        definition.build(raw, ROLES)
