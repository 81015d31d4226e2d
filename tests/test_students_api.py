"""GET /api/v1/students/<id>: the pupil, unmasked for the roles whose work needs the personal data (and
then exactly one access-log row naming the reader, what and via), masked for the others (no row), 404
outside the reader's scope (no row)."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AccessLog, Pupil, User

UNMASKED = ["teacher", "leader", "school_admin", "bureau"]
MASKED = ["supervisor", "head"]
OUT_OF_SCOPE = ["teacher2", "other_admin", "other_teacher", "partner"]


def the_pupil(app, pupil_id) -> Pupil:
    with app.app_context():
        p = db.session.get(Pupil, pupil_id)
        db.session.expunge(p)
        return p


def log_rows(app) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            select(User.username, AccessLog.pupil_id, AccessLog.case_id, AccessLog.what, AccessLog.via)
            .join(User, User.id == AccessLog.user_id).order_by(AccessLog.id)).all()]


@pytest.mark.parametrize("who", UNMASKED)
def test_a_role_that_needs_the_data_reads_it_and_the_read_is_logged_once(app, bx, who):
    pid = bx.district.pupils[0]
    p = the_pupil(app, pid)
    assert log_rows(app) == []
    r = bx.get(f"/students/{pid}", as_=who)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["id"], body["name"], body["student_no"], body["class"]) == (p.id, p.name, p.student_no, "SA-7-1")
    assert (body["birth_date"], body["guardians"], body["address"], body["township"], body["village"]) == \
        (p.birth_date.isoformat(), p.guardians, p.address, p.township, p.village)
    assert log_rows(app) == [(who, pid, None, "personal_data", "api:get_student")]
    bx.get(f"/students/{pid}", as_=who)
    assert len(log_rows(app)) == 2  # every read, not the first one only


@pytest.mark.parametrize("who", MASKED)
def test_a_masked_role_reads_the_pupil_masked_and_nothing_is_logged(app, bx, who):
    pid = bx.district.pupils[0]
    p = the_pupil(app, pid)
    r = bx.get(f"/students/{pid}", as_=who)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["id"] == pid and body["class"] == "SA-7-1"
    assert body["name"] == p.name[0] + "*" * (len(p.name) - 1) and body["name"] != p.name
    assert body["student_no"] == p.student_no[:4] + "*" * (len(p.student_no) - 8) + p.student_no[-4:]
    for personal in ("birth_date", "guardians", "address", "township", "village"):
        assert personal not in body, personal
    text = r.get_data(as_text=True)
    assert p.name not in text and p.student_no not in text and p.guardians[0]["phone"] not in text
    assert log_rows(app) == []


@pytest.mark.parametrize("who", OUT_OF_SCOPE + ["teacher", "leader", "school_admin"])
def test_out_of_scope_is_404_and_writes_nothing(app, bx, who):
    # school SA's pupil for the others; school SB's pupil for SA's own staff
    pupil = bx.district.pupils[0] if who in OUT_OF_SCOPE else bx.district.other_pupil
    r = bx.get(f"/students/{pupil}", as_=who)
    assert r.status_code == 404 and r.get_json()["error"] == "not_found", r.get_json()
    for missing in (999999, 2**31, 0):
        assert bx.get(f"/students/{missing}", as_=who).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(AccessLog.id))) == 0
