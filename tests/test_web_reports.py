"""The dashboard and report pages: who may open them, what they show, the downloads."""
from io import BytesIO

from openpyxl import load_workbook

from app import clock
from app.deadlines import calendar
from app.reports import export
from tests.web import Browser


def test_dashboard_draws_its_charts_for_the_bureau_and_refuses_a_class_teacher(app, bx):
    bx.case_in("visiting")
    page = Browser(app, "bureau").text("/dashboard")
    for chart in ("chart-states", "chart-trend", "chart-open-by-school", "chart-overdue", "chart-reasons",
                  "chart-dropout-rate", "chart-visits"):
        assert f'id="{chart}"><svg' in page, chart
    assert 'id="rates"' in page and "SA中学" in page and "SB中学" in page
    assert Browser(app, "teacher").get("/dashboard").status_code == 403
    assert Browser(app, "partner").get("/reports").status_code == 403


def test_a_school_admin_sees_only_their_school_on_the_dashboard(app, bx):
    page = Browser(app, "other_admin").text("/dashboard")
    assert "SB中学" in page and "SA中学" not in page


def test_the_home_visit_chart_of_a_district_draws_the_fewest_and_the_most_visits(app):
    from app.views.dashboard import VISITS_CHART_EACH, _visits_chart_rows
    few = [{"username": f"t{i:03d}", "visits": i % 7} for i in range(2 * VISITS_CHART_EACH)]
    assert _visits_chart_rows(few) is few  # a school's teachers are all drawn, in the table's order
    many = [{"username": f"t{i:03d}", "visits": (i * 37) % 500} for i in range(500)]
    drawn = _visits_chart_rows(many)
    ranked = sorted(v["visits"] for v in many)
    assert len(drawn) == 2 * VISITS_CHART_EACH
    assert [v["visits"] for v in drawn] == ranked[:VISITS_CHART_EACH] + ranked[-VISITS_CHART_EACH:]


def test_school_monthly_report_on_screen_and_as_excel(app, bx):
    bx.case_in("visiting")
    month = f"{calendar.local_date(clock.now()):%Y-%m}"
    admin = Browser(app, "school_admin")
    page = admin.text(f"/reports?school=SA&month={month}")
    assert "学校辍学月报表" in page and 'id="report-table"' in page and "七年级" in page
    r = admin.get(f"/reports/monthly.xlsx?school=SA&month={month}")
    assert r.status_code == 200
    sheet = load_workbook(BytesIO(r.data)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "合计" in values and "七年级" in values
    assert Browser(app, "other_admin").get(f"/reports?school=SA&month={month}").status_code == 404


def test_a_bad_month_names_the_field(app, bx):
    r = Browser(app, "bureau").get("/reports?school=SA&month=2026-13")
    assert r.status_code == 422 and "month" in r.get_data(as_text=True)


def test_a_grade_leader_may_pick_their_school_for_the_monthly_report(app, bx):
    page = Browser(app, "leader").text("/reports")
    form = page.split('id="report-form"')[1].split("</form>")[0]
    assert '<option value="SA"' in form and '<option value="SB"' not in form


def test_the_report_is_split_into_the_forms_tables_and_the_excel_keeps_every_column(app, bx):
    """On screen the report is the official forms' tables (counts and rate, returns, reasons), each with
    the row's key columns; every figure column is in exactly one of them, and the XLSX keeps them all."""
    bx.case_in("visiting")
    month = f"{calendar.local_date(clock.now()):%Y-%m}"
    admin = Browser(app, "school_admin")
    page = admin.text(f"/reports?school=SA&month={month}")
    for part in ("report-dropouts", "report-returns", "report-reasons"):
        assert f'id="{part}"' in page
    columns = [export.Column("年级")] + [c for _, c in export.FIGURE_COLUMNS] + export.REASON_COLUMNS
    rows = [[f"r{i}"] + list(range(len(columns) - 1)) for i in range(3)]
    parts = export.parts(columns, rows)
    shown = [c.header for p in parts for c in p["columns"] if c.header != "年级"]
    assert sorted(shown) == sorted(c.header for c in columns[1:])  # each figure exactly once
    assert all(p["columns"][0].header == "年级" and [r[0] for r in p["rows"]] == ["r0", "r1", "r2"] for p in parts)
    sheet = load_workbook(BytesIO(admin.get(f"/reports/monthly.xlsx?school=SA&month={month}").data)).active
    assert [c.value for c in sheet[2]] == [c.header for c in columns]
