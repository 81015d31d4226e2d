"""What a case offers is what it allows: a guard on the case alone (a precondition in the definition)
is checked when the case lists its actions (API, page, 工作台), and still when the step is fired."""
from tests.web import Browser


def test_a_confirmed_case_no_longer_offers_verification(app, bx):
    case = bx.case_in("reported")
    assert "verify" in bx.case(case["id"])["available_transitions"]
    bx.step(case["id"], "verify", "bureau")
    after = bx.case(case["id"])
    assert after["confirmed"] is True and "verify" not in after["available_transitions"]
    assert "add_note" in after["available_transitions"]  # the rest is still offered
    page = Browser(app, "bureau").text(f"/cases/{case['id']}")
    assert 'id="action-verify"' not in page and 'id="action-add_note"' in page
    # and fired anyway, the engine refuses it as before, writing nothing
    before = bx.footprint(case["id"])
    r = bx.fire(case["id"], "verify", "bureau")
    assert r.status_code == 422 and "confirmed" in r.get_json()["fields"]
    assert bx.footprint(case["id"]) == before


def test_joint_return_is_offered_once_two_visits_failed(bx):
    case = bx.case_in("visiting")
    offered = lambda: "escalate_joint" in bx.case(case["id"], as_="school_admin")["available_transitions"]  # noqa: E731
    assert not offered()
    bx.step(case["id"], "log_visit", "teacher")
    assert not offered()
    bx.step(case["id"], "log_visit", "teacher")
    assert offered()
    assert bx.step(case["id"], "escalate_joint", "school_admin")["state"] == "joint_return"


def test_the_409_of_a_step_in_the_wrong_state_lists_only_what_is_offered(bx):
    case = bx.case_in("reported")
    bx.step(case["id"], "verify", "bureau")
    r = bx.fire(case["id"], "close_false_alarm", "bureau")  # only from detected
    assert r.status_code == 409
    allowed = r.get_json()["allowed"]
    assert "verify" not in allowed and "close_exempt" in allowed


def test_a_confirmed_case_does_not_wait_on_the_bureau(app, bx):
    waiting = bx.case_in("reported")
    confirmed = bx.case_in("reported")
    bx.step(confirmed["id"], "verify", "bureau")
    page = Browser(app, "bureau").text("/work")
    box = page.split('id="waiting"')[1].split("</section>")[0]
    assert f'/cases/{waiting["id"]}"' in box and f'/cases/{confirmed["id"]}"' not in box


def test_the_workflow_lists_preconditions_among_its_guards(bx):
    transitions = {t["trigger"]: t for t in bx.get("/workflows/dropout").get_json()["transitions"]}
    assert [g["name"] for g in transitions["verify"]["guards"]] == ["not_yet_confirmed"]
    assert [g["name"] for g in transitions["re_enroll"]["guards"]] == ["aid_for_economic_reason"]
