"""Files to download: the reports (monthly, district) and any table, as CSV or XLSX responses named
for Excel users. One place for the mimetypes and the Content-Disposition, for the API and the pages."""
import json
import re
from urllib.parse import quote

from flask import Response

from app.errors import NotFound
from app.reports import export, monthly, placements

MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition with an ASCII `filename` for old clients and the real (UTF-8) name in
    `filename*` (RFC 5987/6266); codes come from users, so the ASCII one keeps only safe characters."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", fallback) or "report"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def table(fmt: str, columns, rows, *, filename: str, fallback: str, title: str = "", sheet: str = "") -> Response:
    """A table as a CSV or XLSX download."""
    if fmt not in MIMETYPES:
        raise NotFound("没有这种格式 / no such format")
    body = export.to_csv(columns, rows) if fmt == "csv" else \
        export.to_xlsx(title or filename, columns, rows, sheet_title=sheet or title or "Sheet1")
    return Response(body, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": attachment(f"{filename}.{fmt}", f"{fallback}.{fmt}")})


KINDS = ("monthly", "district", "placements")


def report_file(reader, kind: str, fmt: str, args) -> Response:
    """`kind` (monthly | district | placements) as `fmt` (csv | xlsx), for the API and the pages' download links."""
    if kind not in KINDS or fmt not in MIMETYPES:
        raise NotFound("没有这种报表 / no such report")
    if kind == "placements":
        report = placements.placements(reader)
        columns, rows = placements.placements_table(report)
        stem, name, title, sheet = "placements", "残疾儿童安置", "残疾儿童少年安置情况", "安置方式"
    elif kind == "monthly":
        report = monthly.school_month(reader, args.get("school", ""), args.get("month", ""))
        columns, rows = export.monthly_table(report)
        stem, name = f"{report['school']['code']}-{report['month']}", "辍学月报表"
        title = f"{report['school']['name']} 学校辍学月报表 {report['month']}"
        sheet = f"{report['month']} 月报"
    else:
        report = monthly.district_summary(reader, args.get("period", ""))
        columns, rows = export.district_table(report)
        stem, name = report["period"], "控辍保学汇总表"
        title = f"控辍保学情况汇总表 {report['period']} ({report['start']} – {report['end']})"
        sheet = f"{report['period']} 汇总"
    return table(fmt, columns, rows, filename=f"{stem}-{name}", fallback=f"{stem}-{kind}", title=title, sheet=sheet)


TIMELINE_COLUMNS = ["seq", "at", "actor", "role", "action", "from_state", "to_state", "data", "hash", "occurred_on"]


def timeline_csv(case, events) -> Response:
    """A case's events as CSV (the API's and the timeline page's export)."""
    rows = []
    for e in events:
        d = e.to_dict()
        d["data"] = json.dumps(d["data"], ensure_ascii=False, sort_keys=True)
        rows.append([d[c] for c in TIMELINE_COLUMNS])
    name = f"case-{case.id}-timeline"
    return table("csv", TIMELINE_COLUMNS, rows, filename=name, fallback=name)
