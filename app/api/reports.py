"""Reports: the dashboard, the school monthly report 学校辍学月报表 and the district summary, as JSON and as
CSV/XLSX downloads. The figures are app.reports; this module only reads arguments and names files."""
import re
from urllib.parse import quote

from flask import Response, jsonify, request

from app import clock
from app.api import bp
from app.api.util import actor
from app.deadlines import calendar
from app.engine.errors import NotFound
from app.reports import export, figures, monthly

MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/dashboard")
def dashboard():
    return jsonify(figures.dashboard(actor(), calendar.local_date(clock.now())))


@bp.get("/reports/monthly")
def monthly_report():
    return jsonify(monthly.school_month(actor(), request.args.get("school", ""), request.args.get("month", "")))


@bp.get("/reports/district")
def district_report():
    return jsonify(monthly.district_summary(actor(), request.args.get("period", "")))


@bp.get("/reports/<kind>.<fmt>")
def report_download(kind, fmt):
    return report_file(kind, fmt, request.args)


def report_file(kind: str, fmt: str, args) -> Response:
    """`kind` (monthly | district) as `fmt` (csv | xlsx), for the API and the pages' download links."""
    if kind not in ("monthly", "district") or fmt not in MIMETYPES:
        raise NotFound("没有这种报表 / no such report")
    if kind == "monthly":
        report = monthly.school_month(actor(), args.get("school", ""), args.get("month", ""))
        columns, rows = export.monthly_table(report)
        stem, name = f"{report['school']['code']}-{report['month']}", "辍学月报表"
        title = f"{report['school']['name']} 学校辍学月报表 {report['month']}"
        sheet = f"{report['month']} 月报"
    else:
        report = monthly.district_summary(actor(), args.get("period", ""))
        columns, rows = export.district_table(report)
        stem, name = report["period"], "控辍保学汇总表"
        title = f"控辍保学情况汇总表 {report['period']} ({report['start']} – {report['end']})"
        sheet = f"{report['period']} 汇总"
    if fmt == "csv":
        body = export.to_csv(columns, rows)
    else:
        body = export.to_xlsx(title, columns, rows, sheet_title=sheet)
    return Response(body, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": attachment(f"{stem}-{name}.{fmt}", f"{stem}-{kind}.{fmt}")})


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition with an ASCII `filename` for old clients and the real (UTF-8) name in
    `filename*` (RFC 5987/6266); codes come from users, so the ASCII one keeps only safe characters."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", fallback) or "report"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
