"""The district dashboard and the reports (monthly school report, district summary) on screen,
with their XLSX/CSV downloads. Figures come from app/reports (SQL aggregates in the user's scope)."""
from datetime import date

from flask import Response, render_template, request
from flask_login import login_required

from app import clock
from app.deadlines import calendar
from app.views import access, bp
from app.views.setup import actor


def _today() -> date:
    return calendar.local_date(clock.now())


@bp.get("/dashboard")
@login_required
def dashboard():
    access.require("dashboard")
    from app.reports import figures
    data = figures.dashboard(actor(), _today())
    return render_template("dashboard.html", d=data)


@bp.get("/reports")
@login_required
def reports():
    access.require("reports")
    from app.case_filters import schools_in_scope
    today = _today()
    month = request.args.get("month") or f"{today:%Y-%m}"
    school = request.args.get("school")
    period = request.args.get("period") or month
    monthly = district = None
    from app.reports import monthly as m
    if school:
        monthly = m.school_month(actor(), school, month)
    else:
        district = m.district_summary(actor(), period)
    return render_template("reports.html", monthly=monthly, district=district, month=month, period=period,
                           school=school, schools=schools_in_scope(actor()))


@bp.get("/reports/<kind>.<fmt>")
@login_required
def report_download(kind, fmt):
    access.require("reports")
    from app.api.reports import report_file
    return report_file(kind, fmt, request.args)


def _unused(_: Response) -> None:  # keeps the import for type readers
    return None
