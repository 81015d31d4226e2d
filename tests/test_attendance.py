"""Recording absences through the API, the class teacher's page and the register import (page and
CLI): one row per pupil and day, scope (404 outside it), bad input 4xx naming the field or the line."""
import io

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Absence, Pupil
from tests.attendance_helpers import FRI, MON, THU, WED, absent, at_evening


def _absences(app):
    with app.app_context():
        return sorted((a.pupil_id, a.day.isoformat(), a.excused, a.reason)
                      for a in db.session.execute(select(Absence)).scalars())


def _number(app, pupil_id):
    with app.app_context():
        return db.session.get(Pupil, pupil_id).student_no


# ---- API ---------------------------------------------------------------------------------------

def test_a_day_marked_again_is_updated_never_doubled(app, bx):
    at_evening()
    pupil = bx.pupil()
    assert absent(bx, pupil, THU)["created"] == 1
    again = absent(bx, pupil, THU, excused=True, reason="病假")
    assert (again["created"], again["updated"]) == (0, 1)
    assert absent(bx, pupil, THU, excused=True, reason="病假")["unchanged"] == 1
    assert _absences(app) == [(pupil, THU.isoformat(), True, "病假")]


def test_api_bad_items_are_422_naming_the_item_and_field_and_nothing_is_written(app, bx):
    at_evening()
    pupil = bx.pupil()
    r = bx.post("/attendance", {"absences": [
        {"student_id": pupil, "day": THU.isoformat()},
        {"student_id": pupil, "day": "2026-13-01"},
        {"student_id": pupil, "day": "2026-11-21"},        # Saturday, and the future
        {"student_id": "x", "day": FRI.isoformat(), "colour": "red"}]}, as_="teacher")
    assert r.status_code == 422, r.get_json()
    fields = r.get_json()["fields"]
    assert {"absences[1].day", "absences[2].day", "absences[3].student_id", "absences[3].colour"} <= set(fields)
    assert "absences[0].day" not in fields
    assert _absences(app) == []
    sunday = bx.post("/attendance", {"absences": [{"student_id": pupil, "day": "2026-11-15"}]}, as_="teacher")
    assert sunday.status_code == 422 and "absences[0].day" in sunday.get_json()["fields"]
    assert bx.post("/attendance", {"absences": []}, as_="teacher").status_code == 422
    assert bx.post("/attendance", {"rows": []}, as_="teacher").get_json()["fields"].keys() >= {"rows", "absences"}


def test_api_scope_a_teacher_only_their_class_else_404(app, bx):
    at_evening()
    r = bx.post("/attendance", {"absences": [{"student_id": bx.pupil(), "day": THU.isoformat()},
                                             {"student_id": bx.district.other_pupil, "day": THU.isoformat()}]},
                as_="teacher")
    assert r.status_code == 404 and "absences[1].student_id" in r.get_json()["message"]
    assert bx.post("/attendance", {"absences": [{"student_id": bx.district.pupils[0], "day": THU.isoformat()}]},
                   as_="teacher2").status_code == 404   # the same grade, another class
    assert bx.post("/attendance", {"absences": [{"student_id": bx.district.pupils[0], "day": THU.isoformat()}]},
                   as_="other_admin").status_code == 404
    assert bx.post("/attendance", {"absences": [{"student_id": bx.district.pupils[0], "day": THU.isoformat()}]},
                   as_="supervisor").status_code == 403
    assert _absences(app) == []
    assert bx.post("/attendance", {"absences": [{"student_id": bx.district.pupils[0], "day": THU.isoformat()}]},
                   as_="school_admin").status_code == 200


# ---- the class teacher's page ------------------------------------------------------------------

def test_the_page_marks_the_days_absentees_and_unmarks_who_came(app, bx, as_):
    at_evening()
    a, b = bx.district.pupils[:2]
    page = as_("teacher")
    html = page.text("/attendance")  # the teacher's one class, today
    assert 'id="absentees"' in html and "学生1" in html
    r = page.post("/attendance?class=SA-7-1", MultiDict([("day", FRI.isoformat()), ("absent", str(a)),
                                                         ("reason-%d" % a, "电话联系不上"), ("absent", str(b)),
                                                         ("excused-%d" % b, "y"), ("reason-%d" % b, "病假")]))
    assert r.status_code == 302
    assert _absences(app) == [(a, FRI.isoformat(), False, "电话联系不上"), (b, FRI.isoformat(), True, "病假")]
    page.post("/attendance?class=SA-7-1", MultiDict([("day", FRI.isoformat()), ("absent", str(b)),
                                                     ("excused-%d" % b, "y"), ("reason-%d" % b, "病假")]))
    assert _absences(app) == [(b, FRI.isoformat(), True, "病假")]   # a came after all
    assert 'checked' in page.text(f"/attendance?class=SA-7-1&day={FRI.isoformat()}")


def test_the_page_is_404_outside_the_teachers_class_and_refuses_bad_input(app, bx, as_):
    at_evening()
    page = as_("teacher")
    assert page.get("/attendance?class=SA-7-2").status_code == 404
    assert page.get("/attendance?class=SB-7-1").status_code == 404
    other = bx.district.other_pupil
    assert page.post("/attendance?class=SA-7-1", MultiDict([("day", FRI.isoformat()),
                                                            ("absent", str(other))])).status_code == 404
    long = page.post("/attendance?class=SA-7-1", MultiDict([("day", FRI.isoformat()),
                                                            ("absent", str(bx.district.pupils[0])),
                                                            ("reason-%d" % bx.district.pupils[0], "x" * 300)]))
    assert long.status_code == 422 and "200" in long.get_data(as_text=True)
    assert page.post("/attendance?class=SA-7-1", MultiDict([("day", "2026-11-21")])).status_code == 422
    assert _absences(app) == []
    assert as_("supervisor").get("/attendance").status_code == 403


# ---- the register import -----------------------------------------------------------------------

def _register(app, rows, header="学籍号,姓名,缺勤日期,是否请假,原因"):
    return (header + "\n" + "\n".join(rows) + "\n").encode("utf-8")


def test_register_import_on_the_page_chinese_dates_idempotent_lines_named(app, bx, as_):
    at_evening()
    a, b = bx.district.pupils[:2]
    no_a, no_b, other = _number(app, a), _number(app, b), _number(app, bx.district.other_pupil)
    data = _register(app, [f"{no_a},学生1,2026年11月18日,否,未说明", f"{no_a},学生1,2026/11/19,否,",
                           f"{no_b},学生2,20261120,病假,发烧", f"{no_b},学生2,2026年11月31日,否,",
                           f"{other},外校,2026-11-18,否,", f"{no_a},学生1,2026-11-22,否,"])
    page = as_("teacher")

    def upload():
        return page.post("/attendance/import?class=SA-7-1",
                         MultiDict([("file", (io.BytesIO(data), "考勤.csv"))]), content_type="multipart/form-data")
    r = upload()
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html[:300]
    assert "新增 3" in html and "失败 3" in html
    assert "缺勤日期: " in html                # the file's own header names the column
    assert ">5<" in html and ">6<" in html and ">7<" in html   # the lines of the bad rows
    assert _absences(app) == [(a, WED.isoformat(), False, "未说明"), (a, THU.isoformat(), False, ""),
                              (b, FRI.isoformat(), True, "发烧")]
    again = upload().get_data(as_text=True)
    assert "新增 0" in again and "未变 3" in again
    assert page.post("/attendance/import?class=SB-7-1", MultiDict([("file", (io.BytesIO(data), "x.csv"))]),
                     content_type="multipart/form-data").status_code == 404
    missing = page.post("/attendance/import?class=SA-7-1",
                        MultiDict([("file", (io.BytesIO("姓名,原因\n张三,x\n".encode()), "x.csv"))]),
                        content_type="multipart/form-data")
    assert missing.status_code == 422 and "学籍号" in missing.get_data(as_text=True)


def test_register_import_on_the_cli_with_a_progress_bar(app, bx, runner, tmp_path):
    at_evening()
    a = bx.district.pupils[0]
    path = tmp_path / "register.csv"
    path.write_bytes(_register(app, [f"{_number(app, a)},学生1,{MON.isoformat()},否,", "G123,某,2026-11-16,否,"]))
    r = runner.invoke(args=["attendance", "import", str(path)])
    assert r.exit_code == 1
    assert "created 1" in r.output and "line 3" in r.output
    r = runner.invoke(args=["attendance", "import", str(path), "--class", "SA-7-1"])
    assert "unchanged 1" in r.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Absence.id))) == 1
