"""POST /students: a 学籍号 registered anywhere is refused with one answer, whether or not the caller
may see that pupil; the out-of-scope attempts are logged for supervisors; a new pupil has its history."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import AdminEvent, Pupil, PupilEvent
from tests.district import number


def _give_valid_number(app, pupil_id: int, tail: str) -> dict:
    """A fixture pupil with a 学籍号 that agrees with its birth date, as the form requires."""
    with app.app_context():
        p = db.session.get(Pupil, pupil_id)
        p.student_no = number(p.birth_date, int(tail[:3]))
        db.session.commit()
        return {"student_no": p.student_no, "birth_date": p.birth_date.isoformat()}


def _body(no: dict) -> dict:
    return {**no, "name": "新同学", "gender": "M", "class_code": "SA-7-1", "guardian_name": "家长",
            "guardian_phone": "13700000000"}


def _counts(app) -> tuple:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count(m.id))) for m in (Pupil, PupilEvent))


def test_a_number_registered_elsewhere_gets_the_same_answer_as_one_registered_here(app, bx, district):
    inside = _give_valid_number(app, district.pupils[0], "0101")     # SA: the caller's school
    outside = _give_valid_number(app, district.other_pupil, "0202")  # SB: another school
    before = _counts(app)
    here = bx.post("/students", _body(inside), as_="school_admin")
    elsewhere = bx.post("/students", _body(outside), as_="school_admin")
    assert here.status_code == elsewhere.status_code == 409
    assert here.get_data() == elsewhere.get_data()
    assert sorted(here.headers.items()) == sorted(elsewhere.headers.items())
    body = elsewhere.get_json()
    assert body["error"] == "conflict" and "transfer" in body["message"] and "已登记" in body["message"]
    text = elsewhere.get_data(as_text=True)
    for leak in (str(district.other_pupil), "SB", "学生20", outside["student_no"]):
        assert leak not in text
    assert _counts(app) == before  # nothing created
    with app.app_context():  # the out-of-scope one, and only it, is on the log: who, which number, when
        logged = db.session.execute(select(AdminEvent).where(AdminEvent.action == "student_no_collision")).scalars().all()
        assert [(e.actor, e.after["student_no"], e.after["via"]) for e in logged] == [
            ("school_admin", outside["student_no"], "api:create_student")]
        assert logged[0].at is not None


def test_a_new_pupil_is_created_with_its_first_event(app, bx, district):
    body = _body({"student_no": "G522601201109010012", "birth_date": "2011-09-01"})
    r = bx.post("/students", body, as_="school_admin")
    assert r.status_code == 201
    history = bx.get(f"/students/{r.get_json()['id']}/history", as_="school_admin").get_json()["events"]
    assert [(e["action"], e["actor"]) for e in history] == [("created", "school_admin")]
    assert history[0]["changes"]["name"] == [None, "新同学"] and history[0]["changes"]["class_code"] == [None, "SA-7-1"]
    assert history[0]["import"] is None
