"""A partner's window onto a case closes when the joint-return stage ends, or when it is revoked:
afterwards the case, its timeline and every write answer 404 and it is gone from their lists."""
import pytest

from tests.web import Browser


def partner_paths(case_id):
    return [f"/cases/{case_id}", f"/cases/{case_id}/timeline", f"/cases/{case_id}/timeline.csv"]


def assert_gone_for_partner(app, bx, case_id):
    for path in partner_paths(case_id):
        assert bx.get(path, as_="partner").status_code == 404, path
    for trigger in ("log_joint_action", "add_note"):
        r = bx.fire(case_id, trigger, "partner", version=bx.case(case_id)["version"])
        assert r.status_code == 404, (trigger, r.get_json())
    assert case_id not in [c["id"] for c in bx.get("/cases", as_="partner").get_json()["items"]]
    page = Browser(app, "partner")
    for path in partner_paths(case_id):
        assert page.get(path).status_code == 404, path
    assert f"#{case_id}<" not in page.text("/work")
    assert f'href="/cases/{case_id}"' not in page.text("/cases")
    assert page.post(f"/cases/{case_id}/actions/add_note", {"text": "还在吗", "version": "99"}).status_code == 404


def invited_case(bx):
    case = bx.case_in("joint_return")
    bx.step(case["id"], "invite_partner", "bureau")
    assert bx.get(f"/cases/{case['id']}", as_="partner").status_code == 200
    assert case["id"] in [c["id"] for c in bx.get("/cases", as_="partner").get_json()["items"]]
    return case


@pytest.mark.parametrize("leave", [("re_enroll", "school_admin"), ("close_exempt", "bureau")])
def test_partner_access_ends_when_the_case_leaves_joint_return(app, bx, leave):
    case = invited_case(bx)
    bx.step(case["id"], "log_joint_action", "partner", department="village")
    trigger, who = leave
    bx.step(case["id"], trigger, who)
    assert_gone_for_partner(app, bx, case["id"])
    left = bx.events(case["id"])[-1]
    assert left["action"] == trigger and left["data"]["partners_ended"] == ["partner"]  # on the audit chain
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def test_a_relapse_back_into_joint_return_does_not_revive_an_ended_invitation(app, bx):
    case = invited_case(bx)
    bx.step(case["id"], "re_enroll", "school_admin")
    bx.step(case["id"], "relapse", "teacher")
    for _ in range(2):
        bx.step(case["id"], "log_visit", "teacher")
    bx.step(case["id"], "escalate_joint", "school_admin")
    assert bx.get(f"/cases/{case['id']}", as_="partner").status_code == 404
    bx.step(case["id"], "invite_partner", "bureau")  # a new invitation for the new stage
    assert bx.get(f"/cases/{case['id']}", as_="partner").status_code == 200


def test_the_bureau_officer_revokes_a_partner_through_the_engine(app, bx):
    case = invited_case(bx)
    bx.step(case["id"], "invite_partner", "bureau", username="partner2")
    r = bx.fire(case["id"], "revoke_partner", "school_admin")
    assert r.status_code == 403
    r = bx.fire(case["id"], "revoke_partner", "partner")
    assert r.status_code == 403
    body = bx.step(case["id"], "revoke_partner", "bureau", reason="乡镇协助已完成")
    assert body["state"] == "joint_return"
    assert_gone_for_partner(app, bx, case["id"])
    assert bx.get(f"/cases/{case['id']}", as_="partner2").status_code == 200  # only the one named
    last = bx.events(case["id"])[-1]
    assert last["action"] == "revoke_partner" and last["data"]["revoked"] == "partner"
    r = bx.fire(case["id"], "revoke_partner", "bureau")  # nothing left to revoke
    assert r.status_code == 422 and "username" in r.get_json()["fields"]
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def test_revocation_from_the_case_page(app, bx):
    case = invited_case(bx)
    page = Browser(app, "bureau")
    html = page.text(f"/cases/{case['id']}")
    assert 'id="action-revoke_partner"' in html
    r = page.post(f"/cases/{case['id']}/actions/revoke_partner",
                  {"username": "partner", "reason": "协助结束", "version": str(bx.case(case["id"])["version"])})
    assert r.status_code == 302
    assert_gone_for_partner(app, bx, case["id"])
