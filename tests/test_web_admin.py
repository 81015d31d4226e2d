"""Administration pages: users and roles, org units, calendar overrides, roster import."""
import io
from datetime import date

from sqlalchemy import select

from app.deadlines import calendar
from app.extensions import db
from app.models import OrgUnit
from tests.web import Browser


def test_admin_pages_are_for_the_admin_only(app, district):
    admin = Browser(app, "admin")
    for url in ("/admin", "/admin/users", "/admin/units", "/admin/calendar", "/admin/workflow", "/admin/import"):
        assert admin.get(url).status_code == 200, url
        assert Browser(app, "school_admin").get(url).status_code == 403, url


def test_adding_a_user_with_a_role_and_a_bad_unit_keeps_the_form(app, district):
    admin = Browser(app, "admin")
    r = admin.post("/admin/users", {"username": "zhang", "display_name": "张老师", "password": "a-long-password",
                                    "role": "class_teacher", "unit": "NOPE"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "未知单位" in page.split('data-field="unit"')[1].split("</div>")[0]
    assert 'value="张老师"' in page
    r = admin.post("/admin/users", {"username": "zhang", "display_name": "张老师", "password": "a-long-password",
                                    "role": "class_teacher", "unit": "SA-7-2"})
    assert r.status_code == 302
    fresh = Browser(app)  # the new user logs in with the password the admin set
    r = fresh.client.post("/login", data={"username": "zhang", "password": "a-long-password", "csrf_token": fresh.token()})
    assert r.status_code == 302


def test_a_user_name_with_spaces_is_refused_beside_the_field(app, district):
    r = Browser(app, "admin").post("/admin/users", {"username": "a b", "role": "class_teacher", "unit": "SA"})
    assert r.status_code == 422 and "只能包含字母" in r.get_data(as_text=True)


def test_units_and_enrolment(app, district):
    admin = Browser(app, "admin")
    assert admin.post("/admin/units", {"code": "SA-8", "name": "八年级", "kind": "grade", "parent": "SA",
                                       "enrolment": "280"}).status_code == 302
    r = admin.post("/admin/units", {"code": "SA-8-1", "name": "八年级1班", "kind": "class", "parent": "SA"})
    assert r.status_code == 422 and "grade" in r.get_data(as_text=True)
    with app.app_context():
        unit_id = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "SA"))
    assert admin.post(f"/admin/units/{unit_id}/enrolment", {"enrolment": "950"}).status_code == 302
    assert admin.post(f"/admin/units/{unit_id}/enrolment", {"enrolment": "-3"}).status_code == 422
    with app.app_context():
        assert db.session.get(OrgUnit, unit_id).enrolment == 950


def test_calendar_override_from_the_page_changes_working_days(app, district):
    admin = Browser(app, "admin")
    page = admin.text("/admin/calendar?month=2027-01")
    assert 'id="calendar"' in page and "按周末推算" in page  # no official data for 2027 yet: said plainly
    assert "没有官方节假日数据" in admin.text("/admin")
    r = admin.post("/admin/calendar", {"day": "2027-01-01", "kind": "holiday", "note": "元旦"})
    assert r.status_code == 302
    with app.app_context():
        calendar.invalidate()
        assert not calendar.is_workday(date(2027, 1, 1))
    assert "元旦" in admin.text("/admin/calendar?month=2027-01")
    assert admin.post("/admin/calendar", {"day": "2027-02-30", "kind": "holiday"}).status_code == 422


def test_workflow_page_draws_the_definition_with_its_deadlines(app, district):
    page = Browser(app, "admin").text("/admin/workflow")
    assert '<svg' in page and "联合劝返" in page and 'id="clocks"' in page and "提前 3 个工作日" in page


def test_roster_import_reports_each_bad_row(app, district):
    csv_text = ("student_no,name,gender,birth_date,class_code,guardian_name,guardian_phone,address\n"
                "G522601201203150011,新同学,F,2012-03-15,SA-7-2,王母,13900000000,河口村\n"
                "G12,坏学籍号,M,2012-01-01,SA-7-2,,,\n"
                "G522601201203160017,没有班级,M,2012-03-16,NOPE,,,\n")
    r = Browser(app, "admin").post("/admin/import", {"file": (io.BytesIO(csv_text.encode()), "roster.csv")})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="import-errors"' in page
    rows = page.split('id="import-errors"')[1]
    assert "<td>3</td>" in rows and "<td>4</td>" in rows and "student_no" in rows and "class_code" in rows
    with app.app_context():
        from app.models import ImportRun, Pupil
        # the good row is written, the two bad ones are not, and the run records who imported what
        assert db.session.scalar(select(Pupil.name).where(Pupil.student_no == "G522601201203150011")) == "新同学"
        assert db.session.scalars(select(Pupil.name).where(Pupil.name.in_(("坏学籍号", "没有班级")))).all() == []
        run = db.session.execute(select(ImportRun)).scalar_one()
        assert (run.actor, run.via, run.filename, run.rows, run.created, run.failed) == \
            ("admin", "page", "roster.csv", 3, 1, 2)


def test_roster_import_without_a_file_names_the_field(app, district):
    r = Browser(app, "admin").post("/admin/import", {}, content_type="multipart/form-data")
    assert r.status_code == 422 and "须上传" in r.get_data(as_text=True)
