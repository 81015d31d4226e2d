"""Placements of disabled children (workflows/placement.py) through the API and the pages: opened after an
assessment or by a dropout case's special placement closure, the teaching visits at home each due in a
period of their own (met, the next one started, a missed one escalated by the sweep), and the report of
placements by kind as JSON, page and XLSX."""
from datetime import datetime
from io import BytesIO

from openpyxl import load_workbook

from app import clock
from app.deadlines import actions
from tests.web import Browser


def at(day: str, hour: int = 2):
    clock.freeze(datetime.fromisoformat(f"{day}T{hour:02d}:00:00"))


def open_placement(bx, pupil=None, as_="school_admin", **extra):
    body = {"workflow": "placement", "student_id": pupil or bx.pupil(), "assessed_on": "2026-09-14",
            "note": "肢体残疾二级", **extra}
    r = bx.post("/cases", body, as_=as_)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def step(bx, case_id, trigger, as_, **fields):
    """A step of this workflow, with exactly `fields` as its form."""
    r = bx.fire(case_id, trigger, as_, data=fields)
    assert r.status_code == 200, (trigger, r.status_code, r.get_json())
    return r.get_json()


def teaching_rows(app, case_id):
    from app.models import Deadline
    with app.app_context():
        from app.extensions import db
        return [(r.status, r.due_at.date().isoformat(), r.level) for r in db.session.query(Deadline).filter_by(
            case_id=case_id, clock="teaching_visit").order_by(Deadline.id)]


TEACH = {"started_on": "2026-09-15", "teachers": "王老师", "plan": "生活语文、康复训练"}
VISIT = {"teachers": "王老师", "content": "认读 10 个生字"}


def test_teaching_at_home_is_a_visit_due_each_period(app, bx):
    at("2026-09-15")
    case = open_placement(bx)
    assert case["state"] == "assessed"
    case = step(bx, case["id"], "teach_at_home", "school_admin", **TEACH)
    assert case["state"] == "home_teaching"
    first = teaching_rows(app, case["id"])
    assert [s for s, _, _ in first] == ["open"]
    at("2026-09-22")
    case = step(bx, case["id"], "log_teaching_visit", "teacher", visited_on="2026-09-22", **VISIT)
    assert case["state"] == "home_teaching"
    rows = teaching_rows(app, case["id"])
    assert [s for s, _, _ in rows] == ["met", "open"]
    assert rows[1][1] > rows[0][1]          # the next period counts from the visit
    # the next visit is missed: the sweep escalates it like any clock
    at("2026-11-20")
    with app.app_context():
        actions.sweep()
    assert teaching_rows(app, case["id"])[-1][2] >= 1
    assert bx.case(case["id"])["escalation_level"] >= 1
    # moving to a school ends the visits' clock
    case = step(bx, case["id"], "place_regular_class", "bureau", started_on="2026-11-20", school="SA中学")
    assert case["state"] == "regular_class" and teaching_rows(app, case["id"])[-1][0] == "cancelled"


def test_a_special_placement_closure_opens_the_placement(bx):
    at("2026-09-14")
    dropout = bx.open(detected_on="2026-09-14")
    pupil = bx.case(dropout["id"])["pupil"]["id"]
    at("2026-09-16")
    bx.step(dropout["id"], "close_special_placement", "bureau", placement="home_teaching", placed_on="2026-09-16",
            evidence="专家委员会评估意见书 2026-017")
    placements = bx.get("/cases?open=true").get_json()["items"]
    assert [(c["state"], c["pupil"]["id"]) for c in placements] == [("assessed", pupil)]
    opening = bx.events(placements[0]["id"])[0]
    assert opening["data"]["form"]["planned"] == "home_teaching" and opening["occurred_on"] == "2026-09-16"
    # the child's placement already open: a second dropout case closed the same way keeps that one
    again = bx.open(pupil, detected_on="2026-09-16")
    bx.step(again["id"], "close_special_placement", "bureau", placement="regular_class", placed_on="2026-09-16")
    assert len(bx.get("/cases?state=assessed").get_json()["items"]) == 1


def test_placements_by_kind_as_json_page_and_xlsx(app, bx):
    at("2026-09-15")
    for trigger, fields in (("teach_at_home", TEACH),
                            ("place_regular_class", {"started_on": "2026-09-15", "school": "SA中学"}),
                            ("place_regular_class", {"started_on": "2026-09-15", "school": "SA中学"}),
                            ("place_special_school", {"started_on": "2026-09-15", "school": "县特殊教育学校"}),
                            ("place_outside", {"started_on": "2026-09-15", "school": "州特殊教育学校"})):
        case = open_placement(bx)
        step(bx, case["id"], trigger, "school_admin", **fields)
    open_placement(bx)  # assessed, not yet placed: not counted
    r = bx.get("/reports/placements")
    assert r.status_code == 200
    body = r.get_json()
    assert {k["zh"]: k["count"] for k in body["kinds"]} == {"送教上门": 1, "随班就读": 2, "特教学校": 1, "外出就读": 1}
    assert body["total"] == 5
    assert {s["school"]: s["total"] for s in body["schools"]} == {"SA": 5, "SB": 0}
    assert bx.get("/reports/placements", as_="other_admin").get_json()["total"] == 0
    assert bx.get("/reports/placements", as_="teacher").status_code == 403
    page = Browser(app, "bureau").text("/reports/placements")
    assert 'id="chart-placements"><svg' in page and "外出就读" in page
    x = bx.get("/reports/placements.xlsx")
    assert x.status_code == 200
    sheet = load_workbook(BytesIO(x.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["合计", 1, 2, 1, 1, 5] in values
