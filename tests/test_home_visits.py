"""The home-visit register through the API: a class teacher records visits to any pupil of their class;
the register shows them with the cases' visit steps, each once; scope (404), roles (403), bad input
(422 naming the field, nothing written), a pupil whose case takes visits (409); and the figures: visits
per class teacher and school, relapsed pupils visited at least twice."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from app.models import HomeVisit
from tests.conftest import days_ago
from tests.test_audit import execute
from tests.district import app_today
from tests.test_openapi import Document


def visit(pupil_id, **extra):
    return {"student_id": pupil_id, "visited_on": app_today(), "visitors": ["班主任"], "met_with": "学生母亲",
            "content": "了解学习情况", "situation": "学习正常，无辍学风险", "next_step": "下月再访", **extra}


def _rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(HomeVisit.id)))


def test_a_teacher_records_a_visit_to_a_pupil_of_the_class(bx, app, client):
    doc = Document(client)
    pupil = bx.district.pupils[0]
    r = doc.check(bx.post("/home-visits", visit(pupil), as_="teacher"), "POST", "/home-visits")
    assert r.status_code == 201, r.get_json()
    entry = r.get_json()
    assert entry["source"] == "register" and entry["situation"] == "学习正常，无辍学风险"
    assert entry["recorded_by"] == "teacher" and entry["case_id"] is None
    page = doc.check(bx.get("/home-visits", as_="teacher"), "GET", "/home-visits").get_json()
    assert [i["id"] for i in page["items"]] == [entry["id"]]
    assert bx.get("/home-visits", as_="school_admin", query_string={"student_id": pupil}).get_json()["total"] == 1


def test_scope_roles_and_bad_input(bx, app, client):
    doc = Document(client)
    other = bx.district.other_pupil
    assert doc.check(bx.post("/home-visits", visit(other), as_="teacher"), "POST", "/home-visits").status_code == 404
    assert bx.post("/home-visits", visit(bx.district.pupils[0]), as_="teacher2").status_code == 404
    assert doc.check(bx.post("/home-visits", visit(bx.district.pupils[0]), as_="bureau"),
                     "POST", "/home-visits").status_code == 403
    bad = doc.check(bx.post("/home-visits", visit(bx.district.pupils[0], content="", visited_on="2999-01-01"),
                            as_="teacher"), "POST", "/home-visits")
    assert bad.status_code == 422 and {"content", "visited_on"} <= set(bad.get_json()["fields"])
    assert bx.get("/home-visits", as_="teacher", query_string={"student_id": other}).status_code == 404
    assert bx.get("/home-visits", as_="other_teacher").get_json()["total"] == 0
    assert _rows(app) == 0


def test_a_case_visit_is_in_the_register_once_and_not_recorded_twice(bx, app, client):
    doc = Document(client)
    case = bx.case_in("visiting")
    bx.step(case["id"], "log_visit", "teacher")
    r = doc.check(bx.post("/home-visits", visit(case["pupil"]["id"]), as_="teacher"), "POST", "/home-visits")
    assert r.status_code == 409 and r.get_json()["open_case_id"] == case["id"]
    assert _rows(app) == 0
    bx.post("/home-visits", visit(bx.district.pupils[5]), as_="teacher")
    items = bx.get("/home-visits", as_="teacher").get_json()["items"]
    assert sorted(i["source"] for i in items) == ["case", "register"]
    (on_case,) = [i for i in items if i["source"] == "case"]
    assert on_case["case_id"] == case["id"] and on_case["situation"] == "未返校"
    mine = next(t for t in bx.get("/dashboard").get_json()["home_visits"] if t["username"] == "teacher")
    assert mine["visits"] == 2  # one on the case, one on the register


def test_relapsed_pupils_visited_twice_per_teacher_and_school(bx):
    case = bx.open(detected_on=days_ago(10))
    for trigger, who in [s for s in bx.PATH if s[0] != "escalate_joint"]:  # visits before the relapse: not for it
        bx.step(case["id"], trigger, who, **({"visited_on": days_ago(5)} if trigger == "log_visit" else {}))
    bx.step(case["id"], "relapse", "teacher")
    dash = bx.get("/dashboard").get_json()
    mine = next(t for t in dash["home_visits"] if t["username"] == "teacher")
    school = next(s for s in dash["home_visits_by_school"] if s["school"] == "SA")
    assert (mine["relapsed"], mine["relapsed_visited"]) == (1, 0) == (school["relapsed"], school["relapsed_visited"])
    for _ in range(2):
        bx.step(case["id"], "log_visit", "teacher")
    dash = bx.get("/dashboard").get_json()
    mine = next(t for t in dash["home_visits"] if t["username"] == "teacher")
    school = next(s for s in dash["home_visits_by_school"] if s["school"] == "SA")
    assert mine["relapsed_visited"] == 1 == school["relapsed_visited"]
    assert school["visits"] == 4 and mine["standard"] == 40 and not mine["meets_standard"]
    assert next(s for s in dash["home_visits_by_school"] if s["school"] == "SB")["relapsed"] == 0


def test_the_page_records_a_visit_and_lists_the_register(as_, bx, app):
    teacher = as_("teacher")
    assert "家访登记表" in teacher.text("/work")
    page = teacher.text("/home-visits")
    assert "登记一次家访" in page and "学生1 · 七年级1班" in page and "学生20" not in page
    r = teacher.post("/home-visits", {"student_id": bx.district.pupils[1], "visited_on": app_today(),
                                      "visitors": "班主任、数学老师", "met_with": "学生父亲", "content": "谈学习",
                                      "situation": "情绪稳定", "next_step": ""})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    listing = teacher.text("/home-visits")
    assert "情绪稳定" in listing and "班主任、数学老师" in listing
    refused = teacher.post("/home-visits", {"student_id": bx.district.pupils[1], "visited_on": app_today(),
                                            "visitors": "", "met_with": "", "content": "", "situation": ""})
    assert refused.status_code == 422 and "field invalid" in refused.get_data(as_text=True)
    out = teacher.post("/home-visits", {"student_id": bx.district.other_pupil, "visited_on": app_today(),
                                        "visitors": "班主任", "met_with": "母亲", "content": "x", "situation": "y"})
    assert out.status_code == 404
    case = bx.case_in("visiting")
    busy = teacher.post("/home-visits", {"student_id": case["pupil"]["id"], "visited_on": app_today(),
                                         "visitors": "班主任", "met_with": "母亲", "content": "x", "situation": "y"})
    assert busy.status_code == 409 and f"/cases/{case['id']}" in busy.get_data(as_text=True)
    assert as_("bureau").get("/home-visits").status_code == 403
    assert _rows(app) == 1


@pytest.mark.parametrize("sql", ["UPDATE home_visits SET content = 'x'", "DELETE FROM home_visits"])
def test_the_register_is_append_only(app, bx, sql):
    assert bx.post("/home-visits", visit(bx.district.pupils[0]), as_="teacher").status_code == 201
    with pytest.raises(DatabaseError, match="home_visits is append-only"):
        execute(app, sql)


def test_the_reports_count_the_register_and_the_cases_visits_once_each(bx):
    case = bx.case_in("visiting")
    bx.step(case["id"], "log_visit", "teacher")
    assert bx.post("/home-visits", visit(bx.district.pupils[5]), as_="teacher").status_code == 201
    assert bx.post("/home-visits", visit(bx.district.other_pupil), as_="other_teacher").status_code == 201
    month = app_today()[:7]
    school = bx.get("/reports/monthly", as_="school_admin", query_string={"school": "SA", "month": month}).get_json()
    assert school["totals"]["visits"] == 2 and school["school_year_to_date"]["visits"] == 2
    assert [g["visits"] for g in school["grades"]] == [2]
    district = bx.get("/reports/district", query_string={"period": month}).get_json()
    assert {s["code"]: s["visits"] for s in district["schools"]} == {"SA": 2, "SB": 1}
    assert district["totals"]["visits"] == 3


def test_the_dashboard_page_shows_the_ledgers_and_the_visits(as_, bx):
    bx.open()
    assert bx.post("/home-visits", visit(bx.district.pupils[5]), as_="teacher").status_code == 201
    page = as_("school_admin").text("/dashboard")
    assert 'id="ledger-counts"' in page and "疑似辍学学生台账" in page and 'id="visits-by-school"' in page
    assert "反复辍学学生" in page
