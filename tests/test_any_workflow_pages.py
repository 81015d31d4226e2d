"""The pages serve every registered definition, not only the first: a second one (registered for the test
only) is opened from the new-case page, waits in the work list, has its notices worded, its case page
(one section of every record, as it declares none), its timeline, its place in the case list and its
diagram; and the reports, which read the definitions' marks, do not count it."""
import pytest
from sqlalchemy import select
from wtforms import DateField, IntegerField
from wtforms.validators import DataRequired, InputRequired

from app import clock
from app.engine import definition, machine
from app.extensions import db
from app.models import Case, Deadline, Notification, User
from app.auth.roles import ROLES
from forms.base import BaseForm, long_text, short_text
from tests.web import Browser


class OpenForm(BaseForm):
    student_id = IntegerField("学生", [InputRequired()])
    detected_on = DateField("日期", [DataRequired()])
    remark = short_text("借阅备注", required=False)


class LendForm(BaseForm):
    book = short_text("书名")


class ReturnForm(BaseForm):
    condition = long_text("品相")


LOANS = {
    "name": "loans", "title": {"zh": "图书借阅", "en": "Library loans"}, "initial": "asked",
    "open": {"roles": ["class_teacher"], "form": OpenForm, "occurred_on": "detected_on"},
    "states": [{"name": "asked", "zh": "待借出", "en": "Asked for"},
               {"name": "on_loan", "zh": "借出中", "en": "On loan"},
               {"name": "back", "zh": "已归还", "en": "Returned", "final": True}],
    "triggers": [
        {"name": "lend", "zh": "借出", "en": "Lend", "source": "asked", "dest": "on_loan",
         "roles": ["class_teacher"], "form": LendForm},
        {"name": "give_back", "zh": "归还", "en": "Give back", "source": "on_loan", "dest": "back",
         "roles": ["class_teacher"], "form": ReturnForm},
    ],
    "clocks": [{"name": "lend_soon", "zh": "及时借出", "en": "Lend soon", "starts_on": "asked",
                "due": [{"working_days": 2}], "met_by": ["lend"], "while_in": ["asked"],
                "remind": ["class_teacher"]}],
}


@pytest.fixture
def loans(app, monkeypatch):
    """The second definition, registered for this test only (the registry is the process's)."""
    defn = machine.compile_definition(definition.build(LOANS, ROLES))
    monkeypatch.setitem(machine._compiled, defn.name, defn)
    return defn


def _open_loan(teacher: Browser, pupil_id: int) -> int:
    page = teacher.text("/cases/new?workflow=loans")
    assert 'name="remark"' in page and "图书借阅" in page  # that definition's open form
    r = teacher.post("/cases/new?workflow=loans", {"student_id": pupil_id, "detected_on": "2026-11-02",
                                                   "remark": "想借西游记"})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    case_id = int(r.headers["Location"].split("/cases/")[1].split("?")[0])
    with teacher.app.app_context():
        assert db.session.get(Case, case_id).workflow == "loans"
    return case_id


def test_a_second_workflow_is_served_by_every_page(app, district, loans):
    teacher = Browser(app, "teacher")
    dropout_page = teacher.text("/cases/new")  # the first workflow's form stays the default
    assert 'name="source"' in dropout_page and 'name="remark"' not in dropout_page
    case_id = _open_loan(teacher, district.pupils[5])

    # the work list: waiting on the teacher (lend is theirs in `asked`), its clock due soon
    work = teacher.text("/work")
    assert f"/cases/{case_id}" in work and "待借出" in work and "及时借出" in work

    # the case page: its state, its actions, one section of every record (it declares none)
    page = teacher.text(f"/cases/{case_id}")
    assert "待借出" in page and 'id="action-lend"' in page and 'id="records-asked-1-other"' in page
    assert "想借西游记" in page and 'id="records-report"' not in page
    r = teacher.post(f"/cases/{case_id}/actions/lend", {"book": "西游记", "version": 1})
    assert r.status_code == 302
    page = teacher.text(f"/cases/{case_id}")
    assert "借出中" in page and "西游记" in page and page.count('class="record"') == 2

    # the timeline, the case list (labelled by the case's own workflow), the state filter
    assert "借出中" in teacher.text(f"/cases/{case_id}/timeline")
    listing = teacher.text("/cases")
    assert f"/cases/{case_id}" in listing and "借出中" in listing and 'value="on_loan"' in listing

    # the admin's workflow page draws it
    admin = Browser(app, "admin")
    diagram = admin.text("/admin/workflow?workflow=loans")
    assert "<svg" in diagram and "借出中" in diagram and "及时借出" in diagram
    assert "图书借阅" in admin.text("/admin/workflow")  # listed beside the first one
    assert admin.get("/admin/workflow?workflow=nope").status_code == 404
    assert teacher.get("/cases/new?workflow=nope").status_code == 404


def test_a_notice_of_another_workflows_case_is_worded_by_its_own_clock(app, district, loans):
    teacher = Browser(app, "teacher")
    case_id = _open_loan(teacher, district.pupils[6])
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "teacher")).scalar_one()
        deadline = db.session.execute(select(Deadline).where(Deadline.case_id == case_id)).scalar_one()
        db.session.add(Notification(user_id=user.id, case_id=case_id, deadline_id=deadline.id, kind="reminder",
                                    level=0, title="提醒", created_at=clock.now()))
        db.session.commit()
    page = teacher.text("/work")
    assert f"个案 #{case_id} 的「及时借出」" in page


def test_the_reports_count_only_the_workflows_that_mark_their_states(app, bx, loans):
    before = bx.get("/dashboard", as_="bureau").get_json()
    teacher = Browser(app, "teacher")
    _open_loan(teacher, bx.district.pupils[7])
    after = bx.get("/dashboard", as_="bureau").get_json()
    assert after["totals"] == before["totals"] and after["states"] == before["states"]
    assert "asked" not in {s["state"] for s in after["states"]}


def test_a_definition_refuses_unknown_marks_and_sections():
    raw = {**LOANS, "states": [dict(s) for s in LOANS["states"]], "sections": [
        {"name": "loans", "zh": "借阅", "en": "Loans", "actions": ["lend", "vanish"]}]}
    raw["states"][0]["marks"] = ["out of school"]
    with pytest.raises(definition.DefinitionError) as err:
        definition.build(raw, ROLES)
    assert "unknown action 'vanish'" in str(err.value) and "marks are words" in str(err.value)


class SchoolMonthForm(BaseForm):
    school_id = IntegerField("学校", [InputRequired()])
    month = short_text("月份")


class SubmitForm(BaseForm):
    note = short_text("说明")


SCHOOL_MONTH = {
    "name": "school_month", "title": {"zh": "学校月度填报", "en": "School month"}, "initial": "due",
    "subject": {"kind": "unit", "field": "school_id", "unit_kinds": ["school"], "key": ["month"]},
    "open": {"roles": ["school_admin"], "form": SchoolMonthForm},
    "states": [{"name": "due", "zh": "待填报", "en": "Due"},
               {"name": "filed", "zh": "已填报", "en": "Filed", "final": True}],
    "triggers": [{"name": "file", "zh": "填报", "en": "File", "source": "due", "dest": "filed",
                  "roles": ["school_admin"], "form": SubmitForm}],
    "clocks": [{"name": "file_by", "zh": "月底前填报", "en": "File by month end", "starts_on": "due",
                "due": [{"working_days": 3}], "met_by": ["file"], "remind": ["school_admin"]}],
}


@pytest.fixture
def school_month(app, monkeypatch):
    defn = machine.compile_definition(definition.build(SCHOOL_MONTH, ROLES))
    monkeypatch.setitem(machine._compiled, defn.name, defn)
    return defn


def test_a_case_about_no_pupil_renders_on_every_page(app, district, school_month):
    from app.auth.scope import unit_by_code
    admin = Browser(app, "school_admin")
    page = admin.text("/cases/new?workflow=school_month")
    assert 'name="school_id"' in page and 'name="month"' in page and 'id="roster-search"' not in page
    with app.app_context():
        school = unit_by_code("SA").id
    r = admin.post("/cases/new?workflow=school_month", {"school_id": school, "month": "2026-11"})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    case_id = int(r.headers["Location"].split("/cases/")[1].split("?")[0])
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "school_admin")).scalar_one()
        deadline = db.session.execute(select(Deadline).where(Deadline.case_id == case_id)).scalar_one()
        db.session.add(Notification(user_id=user.id, case_id=case_id, deadline_id=deadline.id, kind="reminder",
                                    level=0, title="提醒", created_at=clock.now()))
        db.session.commit()

    case_page = admin.text(f"/cases/{case_id}")
    assert 'id="pupil"' not in case_page and 'id="subject"' in case_page and "学校月度填报" in case_page
    assert "2026-11" in case_page  # the open form's record
    work = admin.text("/work")
    assert f"/cases/{case_id}" in work and "月底前填报" in work and "学校月度填报" in work
    assert "待填报" in admin.text(f"/cases/{case_id}/timeline")
    assert f"/cases/{case_id}" in admin.text("/cases")
    assert admin.get("/cases/export.xlsx").status_code == 200
