"""四查三比对 over the API: import a register, run the comparisons, list and answer the mismatches, the
摸排 list and the report. Only a bureau officer of the district (app/registers/scope.py)."""
from flask import jsonify, request

from app import clock
from app.api import bp
from app.api.util import json_body, paginate
from app.audit import history
from app.auth.actor import current_actor
from app.deadlines import calendar
from app.engine.validation import validated_form
from app.errors import BadRequest, Invalid, NotFound
from app.registers import REGISTERS, school_year_of
from app.registers import figures, lists, review, visits
from app.registers.compare import compare
from app.registers.loading import import_register
from app.registers.scope import district_in_scope, mismatch_in_scope
from app.reports.downloads import table
from app.roster.files import ImportFileError
from app.web.limits import export_limit, import_limit
from forms.registers import YEARS, CompareForm, DismissForm, FiguresForm, ReviewForm

UPLOAD_TYPES = {"text/csv": "upload.csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "upload.xlsx"}


def _district():
    return district_in_scope(current_actor(), request.args.get("district") or None)


def _this_year() -> int:
    return school_year_of(calendar.local_date(clock.now()))


def _year_arg() -> int:
    raw = request.args.get("school_year", "")
    if raw == "":
        return _this_year()
    if not raw.isdigit() or not YEARS[0] <= int(raw) <= YEARS[1]:
        raise BadRequest(f"school_year 须为 {YEARS[0]}..{YEARS[1]} 的年份 / school_year must be a year within "
                         f"{YEARS[0]}..{YEARS[1]}", field="school_year")
    return int(raw)


@bp.post("/registers/<register>/import")
@import_limit
def import_register_file(register):
    if register not in REGISTERS:
        raise NotFound("没有这种名册 / no such register")
    district = _district()
    upload = request.files.get("file")
    if upload is not None:
        data, filename = upload.read(), upload.filename or ""
    else:
        data, filename = request.get_data(), UPLOAD_TYPES.get(request.mimetype, request.args.get("filename", ""))
    if not data:
        raise Invalid({"file": "须上传 CSV 或 XLSX 文件 / a CSV or XLSX file is required"})
    try:
        run = import_register(data, filename, district=district, register=register,
                              who=history.by(current_actor()), via="api")
    except ImportFileError as e:
        raise Invalid({"file": str(e)}) from None
    return jsonify(run.to_dict())


@bp.post("/registers/compare")
def run_compare():
    district = _district()
    form = validated_form(CompareForm, json_body() if request.data else {})
    return jsonify(compare(district, form.school_year.data or _this_year()).to_dict())


@bp.get("/registers/mismatches")
def list_mismatches():
    district = _district()
    a = request.args
    where = lists.filters(district.id, kind=a.get("kind", ""), status=a.get("status", ""),
                          township=a.get("township", ""), resolved=a.get("resolved", ""))
    rows, count = lists.query(where)
    return jsonify(paginate(rows, count, lambda m: review.as_dict(m, masked=True)))


@bp.get("/registers/mismatches/<int:mismatch_id>")
def get_mismatch(mismatch_id):
    return jsonify(review.shown(mismatch_in_scope(current_actor(), mismatch_id), current_actor(), "api:get_mismatch"))


@bp.post("/registers/mismatches/<int:mismatch_id>/review")
def review_mismatch(mismatch_id):
    m = mismatch_in_scope(current_actor(), mismatch_id)
    form = validated_form(ReviewForm, json_body())
    case_id = review.open_from(m, current_actor(), {"visitor": form.visitor.data or "", "note": form.note.data or ""})
    return jsonify({**review.shown(m, current_actor(), "api:review_mismatch"), "case_id": case_id})


@bp.post("/registers/mismatches/<int:mismatch_id>/dismiss")
def dismiss_mismatch(mismatch_id):
    m = mismatch_in_scope(current_actor(), mismatch_id)
    form = validated_form(DismissForm, json_body())
    review.dismiss(m, current_actor(), form.reason.data, form.evidence.data, form.receipt_no.data or "")
    return jsonify(review.shown(m, current_actor(), "api:dismiss_mismatch"))


@bp.get("/registers/visits")
def visit_list():
    district = _district()
    groups = visits.visit_list(district.id, request.args.get("township", "")[:100])
    return jsonify({"district": district.code, "villages": [
        {"township": g.township, "village": g.village, "visits": [
            {"mismatch": review.as_dict(v.mismatch, masked=True), "visitor": v.visitor,
             "due_on": v.due_day.isoformat() if v.due_day else None, "level": v.level} for v in g.visits]}
        for g in groups]})


@bp.get("/registers/report")
def register_report():
    district = _district()
    return jsonify({"district": district.code, "by_township": figures.by_township(district.id),
                    "three_unified": figures.three_unified(district, _year_arg())})


@bp.get("/registers/report.xlsx")
@export_limit
def register_report_xlsx():
    district = _district()
    columns, rows = figures.township_table(figures.by_township(district.id))
    return table("xlsx", columns, rows, filename=f"{district.code}-四查三比对", fallback=f"{district.code}-registers",
                 title=f"{district.name} 四查三比对 比对结果", sheet="比对结果")


@bp.post("/registers/figures")
def set_register_figures():
    district = _district()
    form = validated_form(FiguresForm, json_body())
    figures.set_figures(district, history.by(current_actor()), form.school_year.data, form.xueji_other_left.data,
                        form.poverty_dropouts.data)
    return jsonify(figures.three_unified(district, form.school_year.data))
