"""The district dashboard and the reports (monthly school report, district summary) on screen,
with their XLSX/CSV downloads. The figures are app/reports (SQL aggregates in the user's scope); this
module picks the user's language for the charts' labels and nothing else."""
from datetime import date, datetime

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from app import clock
from app.district.filters import schools_in_scope
from app.deadlines import calendar
from app.reports import charts, export, figures, monthly, reader
from app.reports.downloads import report_file
from app.views import access, bp
from app.views.i18n import lang
from app.auth.actor import current_actor
from app.web.limits import export_limit


def _today() -> date:
    return calendar.local_date(clock.now())


def _pct(value) -> float:
    return round((value or 0) * 100, 2)


# The home-visit chart draws every class teacher of a school; over a district (hundreds of them) it
# draws the VISITS_CHART_EACH with the fewest visits and the VISITS_CHART_EACH with the most, fewest
# first, and says so under it. The table beside it lists every teacher.
VISITS_CHART_EACH = 30


def _visits_chart_rows(people: list[dict]) -> list[dict]:
    if len(people) <= 2 * VISITS_CHART_EACH:
        return people
    ranked = sorted(people, key=lambda p: (p["visits"], p["username"]))
    return ranked[:VISITS_CHART_EACH] + ranked[-VISITS_CHART_EACH:]


def dashboard_charts(d: dict) -> dict:
    """The dashboard's pictures, labelled in the reader's language."""
    state_label = {s["state"]: s[lang()] for s in d["states"]}
    open_states = [s["state"] for s in d["states"] if not s["final"]]
    schools = [s["name"] for s in d["open_by_school"]]
    visits = _visits_chart_rows(d["home_visits"])
    return {
        "states": charts.bar_chart([(s[lang()], s["count"]) for s in d["states"] if s["count"]],
                                   title=_("各状态个案数")),
        "open_by_school": charts.stacked_bars(
            schools, {state_label[s]: [row["by_state"][s] for row in d["open_by_school"]] for s in open_states},
            title=_("各校未结个案（按状态）")),
        "overdue_by_school": charts.stacked_bars(
            schools, {f"L{n}": [row[f"level_{n}"] for row in d["overdue_by_school"]] for n in (1, 2, 3)},
            title=_("各校逾期升级（按级别）")),
        "reasons": charts.bar_chart([(_(r["label"]), r["count"]) for r in d["reasons"]],
                                    title=_("辍学原因（本学年）")),
        "trend": charts.line_chart([t["month"][2:] for t in d["trend"]],
                                   {_("新增个案"): [t["opened"] for t in d["trend"]],
                                    _("复学个案"): [t["re_enrolled"] for t in d["trend"]],
                                    _("已结案"): [t["closed"] for t in d["trend"]]}, title=_("月度趋势")),
        "dropout_rate": charts.bar_chart([(r["name"], _pct(r["dropout_rate"])) for r in d["rates"]],
                                         title=_("各校辍学率（本学年）"), unit="%",
                                         target=_pct(d["targets"]["dropout_rate_max"]), target_label=_("目标上限")),
        "visits": charts.bar_chart([(p["display_name"] or p["username"], p["visits"]) for p in visits],
                                   title=_("班主任本学期家访次数"), target=d["targets"]["visits_per_semester_min"],
                                   target_label=_("标准")),
        "visits_note": "" if len(visits) == len(d["home_visits"]) else
        _("图中为家访最少和最多的各 %(n)s 名班主任（共 %(total)s 名），表中列出全部。", n=VISITS_CHART_EACH,
          total=len(d["home_visits"])),
    }


@bp.get("/dashboard")
@login_required
def dashboard():
    access.require("dashboard")
    d = figures.dashboard(current_actor(), _today(), unit=request.args.get("unit", ""))
    return render_template("dashboard.html", d=d, charts=dashboard_charts(d), as_of=_local_time(d["as_of"]["at"]))


def _local_time(utc_iso: str) -> str:
    """HH:MM:SS in the district's time of a UTC time as the dashboard gives it ("...Z")."""
    at = datetime.fromisoformat(utc_iso.removesuffix("Z"))
    return calendar.to_local(at).strftime("%H:%M:%S")


@bp.get("/reports")
@login_required
def reports():
    access.require("reports")
    today = _today()
    school = request.args.get("school") or None
    month = request.args.get("month") or f"{today:%Y-%m}"
    period = request.args.get("period") or month
    if school:
        report = monthly.school_month(current_actor(), school, month)
        columns, rows = export.monthly_table(report)
    else:
        report = monthly.district_summary(current_actor(), period)
        columns, rows = export.district_table(report)
    return render_template("reports.html", report=report, parts=export.parts(columns, rows), school=school,
                           month=month, period=period, schools=schools_in_scope(reader(current_actor())),
                           query={k: v for k, v in (("school", school), ("month", month), ("period", period)) if v})


@bp.get("/reports/<kind>.<fmt>")
@login_required
@export_limit
def report_download(kind, fmt):
    access.require("reports")
    return report_file(current_actor(), kind, fmt, request.args)
