"""Reports through the API as their readers see them: the dashboard, the school monthly report
学校辍学月报表, the district summary, their CSV/XLSX files, scope, refusals, and a fixed query count.

The story (school SA, class SA-7-1; times are UTC, Shanghai is +8):
  Sep 15  A detected 09-14, reported (learning, family), visits started
  Oct 12  A: 2 visits by the class teacher, re-enrolled
          B detected 10-09, reported (economic, learning), 2 visits, joint return, verified by the bureau
          C detected (suspected only); D reported then closed: enrolled elsewhere; E closed: false alarm
          SB: one case reported by the other school
  Oct 31 16:30 UTC = Nov 1 00:30 in Shanghai: F detected 11-01 and reported (a November case)
  Nov 3   the dashboard is read
"""
import io
from datetime import date, datetime
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from app import clock
from app.auth.actor import Actor
from app.deadlines import actions
from app.extensions import db
from app.models import User
from app.reports import figures

SEP = datetime(2026, 9, 15, 2, 0)
OCT = datetime(2026, 10, 12, 2, 0)
NOV_1_LOCAL = datetime(2026, 10, 31, 16, 30)
NOV = datetime(2026, 11, 3, 2, 0)


def walk(bx, detected_on, steps, pupil=None, opener="teacher"):
    case = bx.open(pupil, as_=opener, detected_on=detected_on)
    for trigger, who, *fields in steps:
        case = bx.step(case["id"], trigger, who, **(fields[0] if fields else {}))
    return case


VISITS = [("log_visit", "teacher"), ("log_visit", "teacher")]


@pytest.fixture
def story(bx):
    clock.freeze(SEP)
    a = walk(bx, "2026-09-14", [("report", "school_admin"), ("start_visits", "school_admin")])
    clock.freeze(OCT)
    a = walk_more(bx, a, VISITS + [("re_enroll", "school_admin")])
    b = walk(bx, "2026-10-09", [("report", "school_admin", {"reasons": ["economic", "learning"]}),
                                ("start_visits", "school_admin"), *VISITS, ("escalate_joint", "school_admin"),
                                ("verify", "bureau")])
    c = walk(bx, "2026-10-12", [])
    d = walk(bx, "2026-10-12", [("report", "school_admin")])
    bx.transfer_accepted(d["pupil"]["id"])  # enrolled elsewhere: on an accepted transfer only
    d = walk_more(bx, d, [("close_enrolled_elsewhere", "bureau")])
    e = walk(bx, "2026-10-12", [("close_false_alarm", "bureau")])
    sb = walk(bx, "2026-10-12", [("report", "other_admin")], pupil=bx.district.other_pupil,
              opener="other_teacher")
    clock.freeze(NOV_1_LOCAL)
    f = walk(bx, "2026-11-01", [("report", "school_admin")])
    clock.freeze(NOV)
    states = {k: v["state"] for k, v in {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "sb": sb}.items()}
    assert states == {"a": "re_enrolled", "b": "joint_return", "c": "detected", "d": "closed_enrolled_elsewhere",
                      "e": "closed_false_alarm", "f": "reported", "sb": "reported"}
    return bx


def walk_more(bx, case, steps):
    for trigger, who in steps:
        case = bx.step(case["id"], trigger, who)
    return case


def ok(response):
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_dashboard_counts_cases_by_state_with_labels(story):
    d = ok(story.get("/dashboard", as_="bureau"))
    by_state = {s["state"]: (s["count"], s["confirmed"]) for s in d["states"]}
    assert by_state == {"detected": (1, 0), "reported": (2, 0), "visiting": (0, 0), "joint_return": (1, 1),
                        "re_enrolled": (1, 0), "followed_up": (0, 0), "closed_false_alarm": (1, 0),
                        "closed_enrolled_elsewhere": (1, 0), "closed_special_placement": (0, 0),
                        "closed_exempt": (0, 0)}
    joint = next(s for s in d["states"] if s["state"] == "joint_return")
    assert (joint["zh"], joint["en"]) == ("联合劝返", "Joint return")
    # overdue is the flag the due action sets (its timer at the due moment, or the sweep): none has run yet
    assert d["totals"] == {"cases": 7, "open": 5, "overdue": 0}
    with story.app.app_context():
        actions.sweep()
        db.session.remove()
    # past due on Nov 3 once the sweep has fired the due actions: C's report, A's first follow-up
    # (+10 working days), SB's bureau verification
    assert ok(story.get("/dashboard", as_="bureau"))["totals"] == {"cases": 7, "open": 5, "overdue": 3}
    assert d["today"] == "2026-11-03"
    assert d["school_year"] == {"start": "2026-09-01", "end": "2027-08-31"}
    assert d["semester"] == {"start": "2026-09-01", "end": "2027-01-31"}


def test_dashboard_shows_open_cases_by_school_and_state(story):
    d = ok(story.get("/dashboard", as_="bureau"))
    sa, sb = d["open_by_school"]
    assert (sa["school"], sa["total"], sb["school"], sb["total"]) == ("SA", 4, "SB", 1)
    assert sa["by_state"] == {"detected": 1, "reported": 1, "visiting": 0, "joint_return": 1, "re_enrolled": 1}
    assert sb["by_state"]["reported"] == 1


def test_dashboard_rates_per_school_against_targets(story):
    d = ok(story.get("/dashboard", as_="bureau"))
    sa = next(r for r in d["rates"] if r["school"] == "SA")
    # dropouts this school year: A (re-enrolled), B (joint return), F (reported); not C, D, E
    assert (sa["enrolment"], sa["dropouts"], sa["out_of_school"]) == (900, 3, 2)
    assert sa["dropout_rate"] == pytest.approx(3 / 900, abs=1e-6)
    assert sa["retention_rate"] == pytest.approx(898 / 900, abs=1e-6)
    assert sa["meets_dropout_target"] is True and sa["meets_retention_target"] is True
    assert d["targets"] == {"dropout_rate_max": 0.03, "retention_rate_min": 0.97, "visits_per_semester_min": 40}


def test_dashboard_counts_reasons_over_the_school_year(story):
    d = ok(story.get("/dashboard", as_="bureau"))
    counts = {r["code"]: r["count"] for r in d["reasons"] if r["count"]}
    # A, D, F, SB: learning + family; B: economic + learning
    assert counts == {"learning": 5, "family": 4, "economic": 1}
    assert next(r for r in d["reasons"] if r["code"] == "economic")["label"] == "经济困难"


def test_dashboard_trend_covers_twelve_months_in_shanghai_time(story):
    d = ok(story.get("/dashboard", as_="bureau"))
    assert d["trend"][0]["month"] == "2025-12" and d["trend"][-1]["month"] == "2026-11"
    trend = {t["month"]: (t["opened"], t["re_enrolled"], t["closed"]) for t in d["trend"]}
    assert trend["2026-09"] == (1, 0, 0)
    assert trend["2026-10"] == (5, 1, 2)
    assert trend["2026-11"] == (1, 0, 0)  # F: opened at 00:30 on 1 November in Shanghai
    assert sum(v[0] for v in trend.values()) == 7


def test_dashboard_home_visits_per_class_teacher_against_the_standard(story):
    d = ok(story.get("/dashboard", as_="bureau"))
    visits = {v["username"]: (v["visits"], v["classes"], v["meets_standard"]) for v in d["home_visits"]}
    assert visits == {"teacher": (4, ["SA-7-1"], False), "teacher2": (0, ["SA-7-2"], False),
                      "other_teacher": (0, ["SB-7-1"], False)}
    assert {v["standard"] for v in d["home_visits"]} == {40}


def test_dashboard_lists_classes_without_dropout(story):
    d = ok(story.get("/dashboard", as_="bureau"))
    assert d["classes_without_dropout"] == [
        {"school": "SA", "name": "SA中学", "classes": 2, "without_dropout": 1,
         "class_list": [{"code": "SA-7-2", "name": "七年级2班"}]},
        {"school": "SB", "name": "SB中学", "classes": 2, "without_dropout": 1,
         "class_list": [{"code": "SB-7-2", "name": "七年级2班"}]}]


def test_dashboard_counts_overdue_cases_by_escalation_level(bx):
    t0 = datetime(2026, 11, 10, 2, 0)  # Tuesday: report due end of Fri 11-13, level 2 at end of Tue 11-17
    clock.freeze(t0)
    late = bx.open(detected_on="2026-11-10")                                   # report clock: level 2
    reported = walk(bx, "2026-11-10", [("report", "school_admin")])            # verification: level 1
    clock.freeze(datetime(2026, 11, 17, 16, 0, 30))  # just after the end of 11-17 in Shanghai
    with bx.app.app_context():
        actions.sweep()
    fresh = bx.open(detected_on="2026-11-18")                                  # nothing due yet
    assert (bx.case(late["id"])["escalation_level"], bx.case(reported["id"])["escalation_level"]) == (2, 1)
    d = ok(bx.get("/dashboard", as_="supervisor"))
    sa = next(o for o in d["overdue_by_school"] if o["school"] == "SA")
    assert sa == {"school": "SA", "name": "SA中学", "level_1": 1, "level_2": 1, "level_3": 0, "overdue": 2}
    assert d["totals"]["overdue"] == 2
    assert bx.case(fresh["id"])["overdue"] is False


def test_other_school_admin_sees_only_their_school(story):
    d = ok(story.get("/dashboard", as_="other_admin"))
    assert {s["state"]: s["count"] for s in d["states"] if s["count"]} == {"reported": 1}
    assert [r["school"] for r in d["rates"]] == ["SB"]
    assert [o["school"] for o in d["open_by_school"]] == ["SB"]
    assert [v["username"] for v in d["home_visits"]] == ["other_teacher"]
    r = story.get("/reports/monthly?month=2026-10&school=SA", as_="other_admin")
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"
    district = ok(story.get("/reports/district?period=2026-10", as_="other_admin"))
    assert [s["code"] for s in district["schools"]] == ["SB"]


@pytest.mark.parametrize("user", ["teacher", "partner", "admin"])
def test_class_teachers_partners_and_admin_may_not_read_reports(story, user):
    for path in ("/dashboard", "/reports/monthly?month=2026-10&school=SA",
                 "/reports/monthly.csv?month=2026-10&school=SA", "/reports/district?period=2026-Q4",
                 "/reports/district.xlsx?period=2026-Q4"):
        r = story.get(path, as_=user)
        assert r.status_code == 403, (path, r.get_json())
        assert r.get_json()["error"] == "forbidden"


def test_school_monthly_report_has_exact_figures_per_grade(story):
    m = ok(story.get("/reports/monthly?month=2026-10&school=SA", as_="school_admin"))
    assert m["school"] == {"code": "SA", "name": "SA中学"} and m["month"] == "2026-10"
    assert m["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert m["school_year"] == {"start": "2026-09-01", "end": "2026-10-31"}
    assert m["enrolment"] == 900
    [grade] = m["grades"]
    expected = {"suspected": 4,   # B, C, D, E (F is a November case in Shanghai time)
                "reported": 2,    # B, D
                "returned": 1,    # A
                "out_at_end": 1,  # B in joint return; F did not exist yet; A back at school
                "visits": 4,      # A 2, B 2
                "sy_suspected": 5, "sy_dropouts": 2, "sy_confirmed": 1, "sy_returned": 1, "sy_visits": 4}
    assert (grade["code"], grade["name"], grade["enrolment"]) == ("SA-7", "七年级", 300)
    assert {k: grade[k] for k in expected} == expected
    assert {k: m["totals"][k] for k in expected} == expected
    assert m["totals"]["enrolment"] == 900
    ytd = m["school_year_to_date"]
    assert (ytd["dropouts"], ytd["confirmed"], ytd["returned"], ytd["visits"]) == (2, 1, 1, 4)
    assert ytd["dropout_rate"] == pytest.approx(2 / 900, abs=1e-6)
    assert ytd["retention_rate"] == pytest.approx(899 / 900, abs=1e-6)
    assert ytd["meets_dropout_target"] is True
    assert {r["code"]: r["count"] for r in m["reasons"] if r["count"]} == {"economic": 1, "learning": 2, "family": 1}


def test_monthly_report_of_november_counts_the_case_reported_after_local_midnight(story):
    m = ok(story.get("/reports/monthly?month=2026-11&school=SA", as_="school_admin"))
    t = m["totals"]
    assert (t["suspected"], t["reported"], t["returned"], t["out_at_end"], t["visits"]) == (1, 1, 0, 2, 0)
    assert (t["sy_suspected"], t["sy_dropouts"]) == (6, 3)


def test_grade_leader_reads_their_schools_report(story):
    leader = ok(story.get("/reports/monthly?month=2026-10&school=SA", as_="leader"))
    admin = ok(story.get("/reports/monthly?month=2026-10&school=SA", as_="school_admin"))
    assert leader == admin
    assert story.get("/reports/monthly?month=2026-10&school=SB", as_="leader").status_code == 404


def test_district_summary_of_a_quarter_has_one_row_per_school_and_totals(story):
    s = ok(story.get("/reports/district?period=2026-q4", as_="head"))
    assert (s["period"], s["kind"], s["start"], s["end"]) == ("2026-Q4", "quarter", "2026-10-01", "2026-12-31")
    rows = {r["code"]: r for r in s["schools"]}
    cols = ("suspected", "reported", "returned", "out_at_end", "visits", "sy_dropouts")
    assert {k: rows["SA"][k] for k in cols} == dict(zip(cols, (5, 3, 1, 2, 4, 3)))
    assert {k: rows["SB"][k] for k in cols} == dict(zip(cols, (1, 1, 0, 1, 0, 1)))
    assert {k: s["totals"][k] for k in cols} == dict(zip(cols, (6, 4, 1, 3, 4, 4)))
    assert s["totals"]["enrolment"] == 1800
    assert s["totals"]["dropout_rate"] == pytest.approx(4 / 1800, abs=1e-6)
    assert s["totals"]["retention_rate"] == pytest.approx(1797 / 1800, abs=1e-6)


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026/10", "26-10", "", "2026-Q4", "1899-10", "abc"])
def test_a_bad_month_is_422_naming_month(story, month):
    r = story.get(f"/reports/monthly?month={quote(month)}&school=SA", as_="school_admin")
    assert r.status_code == 422, r.get_json()
    assert list(r.get_json()["fields"]) == ["month"]
    assert " / " in r.get_json()["fields"]["month"]  # 中文 / English


def test_a_bad_period_or_school_is_422_naming_it(story):
    r = story.get("/reports/district?period=2026-Q5", as_="bureau")
    assert r.status_code == 422 and list(r.get_json()["fields"]) == ["period"]
    for school in ("NOPE", "SA-7", ""):
        r = story.get(f"/reports/monthly?month=2026-10&school={school}", as_="bureau")
        assert r.status_code == 422 and list(r.get_json()["fields"]) == ["school"], school


def test_monthly_csv_has_bom_chinese_header_and_the_same_numbers(story):
    r = story.get("/reports/monthly.csv?month=2026-10&school=SA", as_="school_admin")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.startswith(b"\xef\xbb\xbf")
    lines = r.data.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header[:6] == ["年级", "在校生数", "本期新增疑似辍学", "本期新上报辍学", "本期复学", "期末仍辍学"]
    assert "辍学率" in header and "原因:经济困难" in header
    total = dict(zip(header, lines[-1].split(",")))
    assert (total["年级"], total["本期新增疑似辍学"], total["本期新上报辍学"], total["本学年累计辍学"]) == ("合计", "4", "2", "2")
    assert total["辍学率"] == "0.22%" and total["原因:经济困难"] == "1"
    assert "filename*=UTF-8''SA-2026-10-" + quote("辍学月报表") + ".csv" in r.headers["Content-Disposition"]


def test_monthly_xlsx_opens_and_holds_the_same_numbers(story):
    m = ok(story.get("/reports/monthly?month=2026-10&school=SA", as_="school_admin"))
    r = story.get("/reports/monthly.xlsx?month=2026-10&school=SA", as_="school_admin")
    assert r.status_code == 200
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="SA-2026-10-monthly.xlsx"')
    assert "filename*=UTF-8''SA-2026-10-%E8%BE%8D%E5%AD%A6%E6%9C%88%E6%8A%A5%E8%A1%A8.xlsx" in disposition
    ws = load_workbook(io.BytesIO(r.data)).active
    assert "学校辍学月报表" in ws["A1"].value and ws.freeze_panes == "A3"
    header = [c.value for c in ws[2]]
    assert ws["A2"].font.bold
    total = dict(zip(header, [c.value for c in ws[ws.max_row]]))
    assert total["年级"] == "合计"
    assert (total["本期新增疑似辍学"], total["本期复学"], total["期末仍辍学"], total["本期家访次数"]) == (4, 1, 1, 4)
    assert total["辍学率"] == pytest.approx(m["totals"]["dropout_rate"])
    pct = ws.cell(row=ws.max_row, column=header.index("辍学率") + 1)
    assert pct.number_format == "0.00%" and isinstance(pct.value, float)
    assert ws["A3"].value == "七年级"


def test_district_csv_and_xlsx_hold_the_same_totals(story):
    s = ok(story.get("/reports/district?period=2026-Q4", as_="bureau"))
    csv_lines = story.get("/reports/district.csv?period=2026-Q4", as_="bureau").data.decode("utf-8-sig").splitlines()
    assert csv_lines[0].startswith("学校代码,学校,在校生数") and len(csv_lines) == 4
    r = story.get("/reports/district.xlsx?period=2026-Q4", as_="bureau")
    assert "filename*=UTF-8''2026-Q4-" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).active
    header = [c.value for c in ws[2]]
    last = dict(zip(header, [c.value for c in ws[ws.max_row]]))
    assert (last["学校"], last["在校生数"], last["本期新上报辍学"]) == ("合计", 1800, s["totals"]["reported"])


def test_openapi_describes_the_report_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for p in ("/dashboard", "/reports/monthly", "/reports/monthly.csv", "/reports/monthly.xlsx",
              "/reports/district", "/reports/district.csv", "/reports/district.xlsx"):
        assert "get" in paths[p], p
    assert {q["name"] for q in paths["/reports/monthly"]["get"]["parameters"]} == {"month", "school"}


def _queries(app, call) -> int:
    statements = []
    with app.app_context():

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            call()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_dashboard_and_reports_run_a_fixed_number_of_queries(bx):
    from app.reports import monthly

    def run():
        actor = Actor(db.session.execute(select(User).where(User.username == "bureau")).scalar_one())
        figures.dashboard(actor, date(2026, 11, 3))
        monthly.school_month(actor, "SA", "2026-11")
        monthly.district_summary(actor, "2026-Q4")
        db.session.remove()

    clock.freeze(NOV)
    bx.open(detected_on="2026-11-02")
    few = _queries(bx.app, run)
    assert few <= 37  # the user and roles 2, dashboard 24 (its unit and rollup 3, no rollup so live:
    # early warning 1, targets 1, kpis 1, school-age ledger 2, home visits 4, rows 2, classes and their
    # grades and schools 3...), monthly report 6,
    # district summary 5 (each: targets 1, the register's visits 1)
    for _ in range(5):
        walk(bx, "2026-11-02", [("report", "school_admin"), ("start_visits", "school_admin"), *VISITS])
    assert _queries(bx.app, run) == few


def test_the_dashboard_of_an_empty_district_is_all_zeros(bx):
    d = ok(bx.get("/dashboard", as_="bureau"))
    assert d["totals"] == {"cases": 0, "open": 0, "overdue": 0}
    assert all(r["dropouts"] == 0 and r["retention_rate"] == 1.0 for r in d["rates"])
    assert all(t["opened"] == 0 for t in d["trend"]) and len(d["trend"]) == 12


def test_a_school_without_enrolment_has_no_rate_rather_than_a_division_error(bx):
    with bx.app.app_context():
        from app.district.org import add_unit
        add_unit("SC", "新建学校", "school", "D", 0)
    d = ok(bx.get("/dashboard", as_="bureau"))
    sc = next(r for r in d["rates"] if r["school"] == "SC")
    assert sc["dropout_rate"] is None and sc["meets_dropout_target"] is None
