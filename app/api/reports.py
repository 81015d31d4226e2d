"""Reports: the dashboard, the school monthly report 学校辍学月报表 and the district summary, as JSON and as
CSV/XLSX downloads. The figures are app.reports; this module only reads arguments and names files."""
from flask import jsonify, request

from app import clock
from app.api import bp
from app.auth.actor import current_actor
from app.deadlines import calendar
from app.reports import figures, monthly, placements
from app.reports.downloads import report_file
from app.web.limits import export_limit


@bp.get("/dashboard")
def dashboard():
    return jsonify(figures.dashboard(current_actor(), calendar.local_date(clock.now()), unit=request.args.get("unit", "")))


@bp.get("/reports/monthly")
def monthly_report():
    return jsonify(monthly.school_month(current_actor(), request.args.get("school", ""), request.args.get("month", "")))


@bp.get("/reports/district")
def district_report():
    return jsonify(monthly.district_summary(current_actor(), request.args.get("period", "")))


@bp.get("/reports/placements")
def placements_report():
    return jsonify(placements.placements(current_actor()))


@bp.get("/reports/<kind>.<fmt>")
@export_limit
def report_download(kind, fmt):
    return report_file(current_actor(), kind, fmt, request.args)
