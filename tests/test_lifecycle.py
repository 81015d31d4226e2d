"""The whole lifecycle, each off-ramp and the relapse path, through the JSON API as the right roles."""
import pytest

from tests.payloads import VALID


def states(bx, case_id):
    return [(e["action"], e["from_state"], e["to_state"]) for e in bx.events(case_id)]


def test_main_path_from_detection_to_follow_up_completion(bx):
    case = bx.open(as_="teacher")
    assert case["state"] == "detected" and case["version"] == 1
    assert [d["clock"] for d in case["open_deadlines"]] == ["report"]
    assert case["available_transitions"] == ["add_note"]  # a class teacher may not report

    case = bx.step(case["id"], "report", "school_admin")
    assert case["state"] == "reported" and case["reasons"] == ["learning", "family"]
    assert [d["clock"] for d in case["open_deadlines"]] == ["verification"]
    case = bx.step(case["id"], "verify", "bureau")
    assert case["confirmed"] is True and case["state"] == "reported"
    case = bx.step(case["id"], "start_visits", "school_admin")
    assert case["state"] == "visiting"
    assert sorted(d["clock"] for d in case["open_deadlines"]) == ["first_visit", "visiting_stage"]

    # escalate_joint needs two failed visits
    r = bx.fire(case["id"], "escalate_joint", "school_admin")
    assert r.status_code == 422 and "visits" in r.get_json()["fields"]
    bx.step(case["id"], "log_visit", "teacher")
    case = bx.step(case["id"], "log_visit", "teacher", outcome="not_met")
    assert case["vars"]["failed_visits"] == 2
    assert [d["clock"] for d in case["open_deadlines"]] == ["visiting_stage"]  # first visit met

    case = bx.step(case["id"], "escalate_joint", "school_admin")
    assert case["state"] == "joint_return"
    bx.step(case["id"], "invite_partner", "bureau")
    bx.step(case["id"], "log_joint_action", "bureau")
    case = bx.step(case["id"], "log_joint_action", "partner", department="village")
    case = bx.step(case["id"], "re_enroll", "school_admin")
    assert case["state"] == "re_enrolled"
    assert [(d["clock"], d["point"]) for d in case["open_deadlines"]] == [
        ("follow_up", 0), ("follow_up", 1), ("follow_up", 2)]

    r = bx.fire(case["id"], "complete_follow_up", "teacher")
    assert r.status_code == 422 and "follow_ups" in r.get_json()["fields"]
    case = bx.follow_up_all(case["id"])
    assert case["open_deadlines"] == []
    case = bx.step(case["id"], "complete_follow_up", "teacher")
    assert case["state"] == "followed_up" and case["closed_at"] is not None
    assert case["available_transitions"] == []

    trail = states(bx, case["id"])
    assert trail[0] == ("open", None, "detected")
    assert ("escalate_joint", "visiting", "joint_return") in trail
    assert trail[-1] == ("complete_follow_up", "re_enrolled", "followed_up")
    assert len(trail) == case["version"]  # one event per step, one version per step
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def test_deadline_rows_record_met_and_cancelled(bx):
    case = bx.case_in("visiting")
    events = bx.events(case["id"])
    start = next(e for e in events if e["action"] == "start_visits")
    assert start["data"]["deadlines"]["cancelled"] == []  # verification clock runs on while visiting
    assert {d["clock"] for d in start["data"]["deadlines"]["opened"]} == {"first_visit", "visiting_stage"}
    bx.transfer_accepted(case["pupil"]["id"])  # enrolled elsewhere: only on an accepted transfer
    closed = bx.step(case["id"], "close_enrolled_elsewhere", "bureau")
    last = bx.events(case["id"])[-1]
    assert {d["clock"] for d in last["data"]["deadlines"]["cancelled"]} == {"verification", "first_visit",
                                                                            "visiting_stage"}
    assert closed["open_deadlines"] == []


@pytest.mark.parametrize("trigger,from_state,dest", [
    ("close_false_alarm", "detected", "closed_false_alarm"),
    ("close_enrolled_elsewhere", "reported", "closed_enrolled_elsewhere"),
    ("close_special_placement", "visiting", "closed_special_placement"),
    ("close_exempt", "joint_return", "closed_exempt"),
])
def test_off_ramps_close_the_case_with_bureau_approval(bx, trigger, from_state, dest):
    case = bx.case_in(from_state)
    assert bx.fire(case["id"], trigger, "school_admin").status_code == 403  # the bureau approves closures
    if trigger == "close_enrolled_elsewhere":
        bx.transfer_accepted(case["pupil"]["id"])  # only on an accepted transfer (tests/test_transfer.py)
    closed = bx.step(case["id"], trigger, "bureau")
    assert closed["state"] == dest and closed["closed_at"] is not None and closed["open_deadlines"] == []
    last = bx.events(case["id"])[-1]
    assert last["role"] == "bureau_officer" and last["data"]["form"]["evidence"] == VALID[trigger]["evidence"]
    # closed: nothing more may happen, and the pupil may get a new case later
    r = bx.fire(case["id"], "add_note", "bureau")
    assert r.status_code == 409 and r.get_json()["allowed"] == []
    again = bx.open(pupil_id=closed["pupil"]["id"])
    assert again["id"] != case["id"]


def test_false_alarm_only_from_detected(bx):
    case = bx.case_in("reported")
    r = bx.fire(case["id"], "close_false_alarm", "bureau")
    assert r.status_code == 409
    assert "close_special_placement" in r.get_json()["allowed"]


def test_relapse_returns_to_visiting_and_needs_two_new_failed_visits(bx):
    case = bx.case_in("re_enrolled")
    bx.log_follow_up(case["id"], "two_weeks")
    case = bx.step(case["id"], "relapse", "teacher")
    assert case["state"] == "visiting" and case["vars"]["relapses"] == 1
    assert "failed_visits" not in case["vars"]  # counted afresh after a relapse
    assert sorted(d["clock"] for d in case["open_deadlines"]) == ["first_visit", "visiting_stage"]
    r = bx.fire(case["id"], "escalate_joint", "school_admin")
    assert r.status_code == 422
    bx.step(case["id"], "log_visit", "teacher")
    bx.step(case["id"], "log_visit", "teacher")
    case = bx.step(case["id"], "escalate_joint", "school_admin")
    assert case["state"] == "joint_return"
    case = bx.step(case["id"], "re_enroll", "school_admin")
    assert "follow_up_checkpoints" not in case["vars"]  # logged afresh after a relapse
    bx.follow_up_all(case["id"])
    assert bx.step(case["id"], "complete_follow_up", "school_admin")["state"] == "followed_up"


def test_re_enrolment_needs_aid_when_a_reason_is_economic(bx):
    case = bx.case_in("detected")
    bx.step(case["id"], "report", "school_admin", reasons=["economic"])
    bx.step(case["id"], "start_visits", "school_admin")
    r = bx.fire(case["id"], "re_enroll", "school_admin", aid_arranged="")
    assert r.status_code == 422 and list(r.get_json()["fields"]) == ["aid_arranged"]
    assert bx.step(case["id"], "re_enroll", "school_admin", aid_arranged="助学金 1000 元")["state"] == "re_enrolled"


def test_relapse_risk_on_last_follow_up_blocks_completion(bx):
    case = bx.case_in("re_enrolled")
    bx.follow_up_all(case["id"], risks=(False, False, True))
    r = bx.fire(case["id"], "complete_follow_up", "teacher")
    assert r.status_code == 422 and "relapse" in r.get_json()["fields"]["follow_ups"]


def test_assign_and_invite_record_who(bx):
    case = bx.case_in("joint_return")
    # an uninvited partner cannot see the case at all
    assert bx.get(f"/cases/{case['id']}", as_="partner").status_code == 404
    bx.step(case["id"], "invite_partner", "bureau")
    seen = bx.case(case["id"], as_="partner")
    assert sorted(seen["available_transitions"]) == ["add_note", "log_joint_action"]
    assert "guardians" not in seen["pupil"]  # partners get the masked pupil card
    assert bx.get(f"/cases/{case['id']}", as_="partner2").status_code == 404
    case = bx.step(case["id"], "assign", "school_admin")
    assert {"username": "leader", "role": "grade_leader"} in [
        {"username": a["username"], "role": a["role"]} for a in case["assignees"]]
    r = bx.fire(case["id"], "assign", "school_admin", username="other_teacher", role="class_teacher")
    assert r.status_code == 422 and "username" in r.get_json()["fields"]
    r = bx.fire(case["id"], "invite_partner", "bureau", username="teacher")
    assert r.status_code == 422 and "username" in r.get_json()["fields"]
