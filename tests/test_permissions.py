"""For every trigger: wrong role 403, out of scope 404, stale version 409, bad field 422 — and no trace.

Each refusal is checked against the case's footprint (state, version, vars, events, deadlines,
assignees), which must be exactly as before.
"""
import pytest

from app import clock
from app.deadlines import calendar
from app.engine import machine
from app.engine.schema import form_schema
from tests.payloads import VALID

DROPOUT = None


def dropout():
    global DROPOUT
    if DROPOUT is None:
        from app import load_workflows
        load_workflows()
        DROPOUT = machine.get("dropout")
    return DROPOUT


TRIGGERS = sorted(VALID)
# In-scope users and their roles over cases of class SA-7-1.
IN_SCOPE = {"teacher": "class_teacher", "leader": "grade_leader", "school_admin": "school_admin",
            "bureau": "bureau_officer", "head": "bureau_head", "supervisor": "supervisor"}
DOER = {"class_teacher": "teacher", "grade_leader": "leader", "school_admin": "school_admin",
        "bureau_officer": "bureau", "partner": "partner"}
MAIN_ORDER = ["detected", "reported", "visiting", "joint_return", "re_enrolled"]


def test_every_trigger_has_a_valid_payload():
    assert set(TRIGGERS) == set(dropout().triggers)


def setup_case(bx, trigger):
    """A case in the first main state from which `trigger` may fire, with a partner invited."""
    t = dropout().triggers[trigger]
    state = next(s for s in MAIN_ORDER if s in t.sources)
    case = bx.case_in(state)
    bx.step(case["id"], "invite_partner", "bureau")
    if trigger == "escalate_joint":
        bx.step(case["id"], "log_visit", "teacher")
        bx.step(case["id"], "log_visit", "teacher")
    if trigger == "complete_follow_up":
        bx.follow_up_all(case["id"])
    if trigger == "log_follow_up":  # its first checkpoint's day has come
        bx.at_day(bx.checkpoint_due(case["id"], "two_weeks"))
    if trigger == "close_enrolled_elsewhere":  # only on an accepted transfer of the pupil
        bx.transfer_accepted(case["pupil"]["id"])
    if trigger == "verify" and case["confirmed"]:
        pytest.fail("fresh case unexpectedly confirmed")
    return bx.case(case["id"])


def doer_of(trigger):
    return DOER[dropout().triggers[trigger].roles[0]]


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_role_that_may_not_fire_gets_403_and_no_write(bx, trigger):
    case = setup_case(bx, trigger)
    allowed = set(dropout().triggers[trigger].roles)
    refused = [u for u, role in IN_SCOPE.items() if role not in allowed]
    assert "supervisor" in refused  # supervisors never change a case
    before = bx.footprint(case["id"])
    for user in refused:
        r = bx.fire(case["id"], trigger, user, version=case["version"])
        assert r.status_code == 403, (user, r.get_json())
        assert r.get_json()["error"] == "forbidden"
    assert bx.footprint(case["id"]) == before


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_out_of_scope_user_gets_404_and_no_write(bx, trigger):
    case = setup_case(bx, trigger)
    before = bx.footprint(case["id"])
    # another school's admin and class teacher, an uninvited partner: the case does not exist for them
    for user in ("other_admin", "other_teacher", "partner2", "admin"):
        r = bx.fire(case["id"], trigger, user, version=case["version"])
        assert r.status_code == 404, (user, r.get_json())
        assert bx.get(f"/cases/{case['id']}", as_=user).status_code == 404
    assert bx.footprint(case["id"]) == before


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_stale_version_gets_409_with_current_version_and_no_write(bx, trigger):
    case = setup_case(bx, trigger)
    before = bx.footprint(case["id"])
    for stale in (case["version"] - 1, case["version"] + 1):
        r = bx.fire(case["id"], trigger, doer_of(trigger), version=stale)
        assert r.status_code == 409, r.get_json()
        body = r.get_json()
        assert body["error"] == "stale_version" and body["current_version"] == case["version"]
    assert bx.footprint(case["id"]) == before


def bad_payloads(trigger):
    """A payload missing a required field, and one with a wrong type: each names its field."""
    schema = form_schema(dropout().triggers[trigger].form)
    out = []
    if schema["required"]:
        field = schema["required"][0]
        out.append((field, {k: v for k, v in VALID[trigger].items() if k != field}))
    field, prop = next(iter(schema["properties"].items()))
    wrong = {"string": 12345, "boolean": "yes", "integer": "x", "array": "not-a-list"}[prop["type"]]
    out.append((field, {**VALID[trigger], field: wrong}))
    return out


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_missing_or_invalid_field_gets_422_naming_it_and_no_write(bx, trigger):
    case = setup_case(bx, trigger)
    before = bx.footprint(case["id"])
    for field, payload in bad_payloads(trigger):
        r = bx.fire(case["id"], trigger, doer_of(trigger), version=case["version"], data=payload)
        assert r.status_code == 422, (field, r.get_json())
        assert field in r.get_json()["fields"], r.get_json()
    assert bx.footprint(case["id"]) == before


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_valid_request_by_the_right_role_succeeds(bx, trigger):
    """The control for the refusals above: the same request, done right, goes through."""
    case = setup_case(bx, trigger)
    dated = {"checked_on": calendar.local_date(clock.now()).isoformat()} if trigger == "log_follow_up" else {}
    r = bx.fire(case["id"], trigger, doer_of(trigger), version=case["version"], **dated)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["version"] == case["version"] + 1


def test_trigger_not_allowed_now_gets_409_listing_the_allowed_ones(bx):
    case = bx.case_in("detected")
    before = bx.footprint(case["id"])
    r = bx.fire(case["id"], "re_enroll", "school_admin")
    assert r.status_code == 409
    body = r.get_json()
    assert body["error"] == "not_allowed_now" and body["state"] == "detected"
    assert sorted(body["allowed"]) == sorted(["report", "add_note", "assign"])
    assert bx.footprint(case["id"]) == before


def test_unknown_trigger_is_404(bx):
    case = bx.case_in("detected")
    r = bx.fire(case["id"], "teleport", "school_admin", data={})
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"


def test_unknown_case_is_404(bx):
    assert bx.fire(999999, "report", "school_admin", version=1).status_code == 404
    assert bx.get("/cases/99999999999999999999").status_code == 404


def test_scope_of_lists(bx, district):
    mine = bx.open()
    other = bx.open(pupil_id=district.other_pupil, as_="other_teacher")
    ids = lambda user: {c["id"] for c in bx.get("/cases", as_=user).get_json()["items"]}  # noqa: E731
    assert ids("teacher") == {mine["id"]}
    assert ids("teacher2") == set()  # same grade, other class
    assert ids("leader") == {mine["id"]}
    assert ids("other_admin") == {other["id"]}
    assert ids("bureau") == ids("supervisor") == {mine["id"], other["id"]}
    assert ids("partner") == set() and ids("admin") == set()


def test_opening_a_case_for_a_pupil_out_of_scope_is_refused(bx, district):
    r = bx.post("/cases", {"student_id": district.other_pupil, "detected_on": "2026-09-01"}, as_="teacher")
    assert r.status_code == 422 and "student_id" in r.get_json()["fields"]
    r = bx.post("/cases", {"student_id": district.pupils[0], "detected_on": "2026-09-01"}, as_="supervisor")
    assert r.status_code == 403
    assert bx.get("/cases").get_json()["total"] == 0
