"""Transfers with acceptance: the sending school requests, the receiving school of the district accepts
into one of its classes (the pupil moves, the pupil's history records it) or refuses with a reason; to a
school outside the district the receipt is uploaded and the bureau checks it. The receiving school sees
and answers the transfer although the pupil is not theirs; everyone else gets 404. The pupil's dropout
case closes as enrolled elsewhere only once a transfer is accepted. An unanswered request is reminded
to the receiving school and escalated to the bureau."""
from datetime import datetime, timedelta

from sqlalchemy import select

from app import clock
from app.auth.scope import unit_by_code
from app.deadlines import actions
from app.extensions import db
from app.models import Pupil, PupilEvent
from tests.deadline_helpers import remind_on_time
from tests.district import app_today
from tests.web import Browser, form_fields


def _ids(app, *codes):
    with app.app_context():
        return [unit_by_code(c).id for c in codes]


def _inside(bx, app, pupil=None, as_="teacher"):
    (sb,) = _ids(app, "SB")
    pupil = pupil or bx.pupil()
    return pupil, bx.request_transfer(pupil, as_=as_, to_school_id=sb)


def _close_elsewhere(bx, case_id):
    return bx.fire(case_id, "close_enrolled_elsewhere", "bureau")


def _pupil_class(app, pupil_id):
    with app.app_context():
        p = db.session.get(Pupil, pupil_id)
        return p.klass.code


def inbox(bx, user) -> list:
    return [(n["kind"], n["level"], n["case_id"]) for n in
            reversed(bx.get("/notifications", as_=user).get_json()["items"])]


def test_the_receiving_school_accepts_the_pupil_moves_and_the_dropout_case_may_close(app, bx):
    dropout = bx.case_in("reported")
    pupil = dropout["pupil"]["id"]
    # no transfer yet: enrolled elsewhere is not offered, and refused when tried
    assert "close_enrolled_elsewhere" not in bx.case(dropout["id"])["available_transitions"]
    r = _close_elsewhere(bx, dropout["id"])
    assert r.status_code == 422 and "receipt_no" in r.get_json()["fields"]
    _, transfer = _inside(bx, app, pupil)
    assert transfer["state"] == "requested"
    # requested, not accepted: still refused
    assert _close_elsewhere(bx, dropout["id"]).status_code == 422
    # the receiving school sees it (not the pupil's roster page) and may answer; the sending school may not
    seen = bx.case(transfer["id"], as_="other_admin")
    assert set(seen["available_transitions"]) == {"accept_transfer", "refuse_transfer"}
    assert bx.get(f"/students/{pupil}", as_="other_admin").status_code == 404
    assert bx.get(f"/cases/{dropout['id']}", as_="other_admin").status_code == 404
    own = bx.case(transfer["id"], as_="school_admin")
    assert "accept_transfer" not in own["available_transitions"] and "withdraw_transfer" in own["available_transitions"]
    (sb_class, sa_class) = _ids(app, "SB-7-2", "SA-7-2")
    r = bx.fire(transfer["id"], "accept_transfer", "school_admin", data={"class_id": sb_class})
    assert r.status_code == 422
    # a class of another school than the receiving one is refused naming the field, nothing written
    before = bx.footprint(transfer["id"])
    r = bx.fire(transfer["id"], "accept_transfer", "other_admin", data={"class_id": sa_class})
    assert r.status_code == 422 and "class_id" in r.get_json()["fields"]
    assert bx.footprint(transfer["id"]) == before and _pupil_class(app, pupil) == "SA-7-1"
    done = bx.fire(transfer["id"], "accept_transfer", "other_admin", data={"class_id": sb_class, "note": ""})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "accepted"
    # the pupil is the receiving school's now, with the change in the pupil's history
    assert _pupil_class(app, pupil) == "SB-7-2"
    with app.app_context():
        events = db.session.execute(select(PupilEvent).where(PupilEvent.pupil_id == pupil)).scalars().all()
        assert events[-1].changes == {"class_code": ["SA-7-1", "SB-7-2"]} and events[-1].actor == "other_admin"
    assert bx.get(f"/students/{pupil}", as_="other_admin").status_code == 200
    # and only now the dropout case may close as enrolled elsewhere
    assert "close_enrolled_elsewhere" in bx.case(dropout["id"])["available_transitions"]
    closed = _close_elsewhere(bx, dropout["id"])
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed_enrolled_elsewhere"


def test_refusing_needs_a_reason_and_leaves_the_dropout_case_open(app, bx):
    dropout = bx.case_in("reported")
    _, transfer = _inside(bx, app, dropout["pupil"]["id"])
    r = bx.fire(transfer["id"], "refuse_transfer", "other_admin", data={"reason": ""})
    assert r.status_code == 422 and "reason" in r.get_json()["fields"]
    r = bx.fire(transfer["id"], "refuse_transfer", "other_admin", data={"reason": "本校七年级学位已满"})
    assert r.status_code == 200 and r.get_json()["state"] == "not_accepted"
    assert _pupil_class(app, dropout["pupil"]["id"]) == "SA-7-1"
    assert _close_elsewhere(bx, dropout["id"]).status_code == 422
    assert bx.case(dropout["id"])["closed_at"] is None


def test_outside_the_district_the_receipt_is_uploaded_and_the_bureau_checks_it(app, bx):
    dropout = bx.case_in("reported")
    pupil = dropout["pupil"]["id"]
    transfer = bx.request_transfer(pupil)  # outside the district
    assert "accept_transfer" not in bx.case(transfer["id"])["available_transitions"]
    # the receipt step needs the receipt itself
    body = {"receipt_no": "HZ-1", "received_on": app_today(), "version": transfer["version"]}
    r = bx.post(f"/cases/{transfer['id']}/transitions/submit_receipt", body, as_="teacher")
    assert r.status_code == 422 and "files" in r.get_json()["fields"]
    r = bx.post_files(f"/cases/{transfer['id']}/transitions/submit_receipt", body, [bx.RECEIPT], as_="teacher")
    assert r.status_code == 200 and r.get_json()["state"] == "receipt_submitted"
    receipt = bx.events(transfer["id"])[-1]["data"]["files"][0]
    assert bx.get(f"/cases/{transfer['id']}/files/{receipt['sha256']}", as_="bureau").data == bx.RECEIPT[1]
    assert _close_elsewhere(bx, dropout["id"]).status_code == 422  # not checked yet
    # the bureau refuses one, a new request's receipt is accepted
    r = bx.fire(transfer["id"], "refuse_receipt", "bureau", data={"reason": "回执无接收学校公章"})
    assert r.status_code == 200 and r.get_json()["state"] == "not_accepted"
    assert _close_elsewhere(bx, dropout["id"]).status_code == 422
    accepted = bx.transfer_accepted(pupil)
    assert accepted["state"] == "accepted"
    assert _pupil_class(app, pupil) == "SA-7-1"  # leaving the district moves the pupil to no class of it
    assert _close_elsewhere(bx, dropout["id"]).status_code == 200


def test_out_of_scope_is_404(app, bx):
    pupil, transfer = _inside(bx, app)
    outside = bx.request_transfer(bx.pupil())
    # the receiving school's class teachers are not its answering side; outside transfers are not SB's
    for who, case in [("other_teacher", transfer), ("other_admin", outside), ("partner", transfer)]:
        assert bx.get(f"/cases/{case['id']}", as_=who).status_code == 404, who
        assert bx.get(f"/cases/{case['id']}/timeline", as_=who).status_code == 404, who
        r = bx.fire(case["id"], "accept_transfer", who, version=1, data={"class_id": 1})
        assert r.status_code == 404, who
    listed = {c["id"] for c in bx.get("/cases?open=true", as_="other_admin").get_json()["items"]}
    assert transfer["id"] in listed and outside["id"] not in listed
    # the receiving school cannot open a transfer of a pupil that is not theirs
    (sa,) = _ids(app, "SA")
    r = bx.post("/cases", {"workflow": "transfer", "student_id": bx.pupil(), "requested_on": app_today(),
                           "reason": "x", "to_school_id": sa}, as_="other_admin")
    assert r.status_code == 422 and "student_id" in r.get_json()["fields"]
    # nor name the pupil's own school as the receiving one
    r = bx.post("/cases", {"workflow": "transfer", "student_id": bx.pupil(), "requested_on": app_today(),
                           "reason": "x", "to_school_id": sa}, as_="teacher")
    assert r.status_code == 422 and "to_school_id" in r.get_json()["fields"]


def test_an_ignored_request_is_reminded_to_the_receiving_school_and_escalated(app, bx):
    _, transfer = _inside(bx, app)
    row = next(d for d in bx.case(transfer["id"])["open_deadlines"] if d["clock"] == "transfer_answer")
    remind_on_time(app)
    assert inbox(bx, "other_admin") == [("reminder", 0, transfer["id"])]
    assert inbox(bx, "school_admin") == [] and inbox(bx, "teacher") == []
    due = datetime.fromisoformat(row["due_at"].rstrip("Z"))
    with app.app_context():
        clock.freeze(due + timedelta(seconds=2))
        actions.sweep()
        clock.freeze(due + timedelta(days=10))
        actions.sweep()
        actions.sweep()
        db.session.remove()
    assert inbox(bx, "bureau") == [("overdue", 1, transfer["id"])]
    assert inbox(bx, "head") == [("escalated", 2, transfer["id"])]
    assert bx.case(transfer["id"])["escalation_level"] == 2
    # a late answer is still taken, and meets the clock
    (sb_class,) = _ids(app, "SB-7-1")
    assert bx.fire(transfer["id"], "accept_transfer", "other_admin", data={"class_id": sb_class}).status_code == 200
    assert bx.case(transfer["id"])["open_deadlines"] == []


def test_the_receiving_school_sees_the_request_in_its_work_list_and_accepts_on_the_page(app, bx):
    pupil, transfer = _inside(bx, app)
    admin = Browser(app, "other_admin")

    def waiting(browser):
        page = browser.text("/work")
        return page[page.index('id="waiting"'):page.index('id="deadlines"')]
    assert f"/cases/{transfer['id']}" in waiting(admin)
    assert f"/cases/{transfer['id']}" not in waiting(Browser(app, "school_admin"))
    page = admin.text(f"/cases/{transfer['id']}")
    assert f"/cases/{transfer['id']}/actions/accept_transfer" in page
    (sb_class,) = _ids(app, "SB-7-1")
    data = form_fields({"class_id": sb_class, "note": ""})
    data["version"], data["seen_seq"] = str(transfer["version"]), "0"
    r = admin.post(f"/cases/{transfer['id']}/actions/accept_transfer", data)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert bx.case(transfer["id"])["state"] == "accepted" and _pupil_class(app, pupil) == "SB-7-1"


def test_the_class_teacher_requests_a_transfer_on_the_page_picking_the_receiving_school(app, bx):
    teacher = Browser(app, "teacher")
    page = teacher.text("/cases/new?workflow=transfer")
    (sb, sa) = _ids(app, "SB", "SA")
    assert f'<option value="{sb}"' in page and "SB中学" in page  # another school: named, though not theirs
    pupil = bx.pupil()
    data = form_fields({"student_id": pupil, "to_school_id": sb, "requested_on": app_today(), "reason": "随父母迁居"})
    r = teacher.post("/cases/new?workflow=transfer", data)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    case_id = int(r.headers["Location"].split("/cases/")[1].split("?")[0])
    assert bx.case(case_id, as_="other_admin")["state"] == "requested"
    # neither destination, or both: refused beside the field
    data = form_fields({"student_id": bx.pupil(), "to_school_id": sb, "outside_school": "外省某中学",
                        "requested_on": app_today(), "reason": "x"})
    r = teacher.post("/cases/new?workflow=transfer", data)
    assert r.status_code == 422 and "须填写接收学校或区县外接收学校之一" in r.get_data(as_text=True)
