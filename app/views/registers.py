"""四查三比对 pages: the registers (import, compare), the mismatch list and one mismatch with its review,
the 铁脚板摸排 list (printable), and the report with the 三统一 check. Only a bureau officer of the
district (app/registers/scope.py); every handler loads in scope, then calls one operation."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, select

from app import clock
from app.audit import history
from app.auth.actor import current_actor
from app.deadlines import calendar
from app.engine.validation import validated_form
from app.errors import Invalid
from app.extensions import db
from app.models import Mismatch, RegisterImport
from app.registers import KIND_LABELS, KINDS, REGISTER_LABELS, REGISTERS, STATUS_LABELS, STATUSES, school_year_of
from app.registers import figures, lists, review, visits
from app.registers.compare import compare
from app.registers.loading import BadRows, import_register
from app.registers.scope import district_in_scope, mismatch_in_scope
from app.reports.downloads import table
from app.roster.files import ImportFileError
from app.views import bp, forms
from app.views.i18n import pick
from app.web import paging
from app.web.limits import export_limit, import_limit
from forms.registers import DismissForm, DispatchForm, FiguresForm, RegisterUploadForm, ReviewForm

LABELS = {"kinds": KIND_LABELS, "statuses": STATUS_LABELS, "registers": REGISTER_LABELS}


def _district():
    return district_in_scope(current_actor(), request.args.get("district") or None)


def _year() -> int:
    return school_year_of(calendar.local_date(clock.now()))


def _home(district, status=200, bad=None, upload_errors=None):
    latest = {r: db.session.scalar(select(RegisterImport).where(
        RegisterImport.district_id == district.id, RegisterImport.register == r).order_by(RegisterImport.id.desc()))
        for r in REGISTERS}
    counts = dict(db.session.execute(select(Mismatch.kind, func.count(Mismatch.id)).where(
        Mismatch.district_id == district.id, Mismatch.resolved_at.is_(None)).group_by(Mismatch.kind)).all())
    upload = forms.bound(RegisterUploadForm)
    if upload_errors:
        upload.file.errors = upload_errors
    return render_template("registers/home.html", district=district, latest=latest, counts=counts, kinds=KINDS,
                           registers=REGISTERS, form=upload, bad=bad, labels=LABELS), status


@bp.get("/registers")
@login_required
def registers_home():
    return _home(_district())


@bp.post("/registers/import/<register>")
@login_required
@import_limit
def registers_import(register):
    district = _district()
    upload = request.files.get("file")
    if register not in REGISTERS:
        raise Invalid({"register": "未知名册 / unknown register"})
    if upload is None or not upload.filename:
        return _home(district, 422, upload_errors=[pick("须上传 CSV 或 XLSX 文件 / a CSV or XLSX file is required")])
    try:
        run = import_register(upload.read(), upload.filename, district=district, register=register,
                              who=history.by(current_actor()), via="page")
    except ImportFileError as e:
        return _home(district, 422, upload_errors=[pick(str(e))])
    except BadRows as e:
        return _home(district, 422, bad=e.extra, upload_errors=[pick(e.fields["file"])])
    flash(pick(f"已导入 {run.rows} 行: 新增 {run.inserted}, 更新 {run.updated}, 删除 {run.deleted} / imported "
               f"{run.rows} rows: {run.inserted} new, {run.updated} updated, {run.deleted} removed"), "success")
    return redirect(url_for("views.registers_home", district=district.code))


@bp.post("/registers/compare")
@login_required
def registers_compare():
    district = _district()
    run = compare(district, _year())
    flash(pick(f"比对完成: 共 {run.found} 条, 新增 {run.new}, 变化 {run.changed}, 已消除 {run.resolved} / compared: "
               f"{run.found} found, {run.new} new, {run.changed} changed, {run.resolved} resolved"), "success")
    return redirect(url_for("views.registers_mismatches", district=district.code))


@bp.get("/registers/mismatches")
@login_required
def registers_mismatches():
    district = _district()
    a = request.args
    chosen = {k: a.get(k, "") for k in ("kind", "status", "township", "resolved")}
    rows, count = lists.query(lists.filters(district.id, **chosen))
    items, meta = paging.fetch(rows, count, paging.lenient_page(a), 50)
    return render_template("registers/mismatches.html", district=district, items=items, meta=meta, chosen=chosen,
                           kinds=KINDS, statuses=STATUSES, townships=lists.townships(district.id), labels=LABELS)


def _mismatch_page(m, status=200, review_errors=None, dismiss_errors=None, posted=None):
    is_review = review_errors is not None
    review_form = forms.bound(ReviewForm, posted if is_review else None, review_errors)
    dismiss_form = forms.bound(DismissForm, posted if dismiss_errors is not None else None, dismiss_errors)
    opener = review.opener(m) if not m.known_case_id else None
    review.shown(m, current_actor(), "page:mismatch")  # the page shows the child in full
    return render_template("registers/mismatch.html", m=m, review_form=review_form, dismiss_form=dismiss_form,
                           opener=opener, labels=LABELS), status


@bp.get("/registers/mismatches/<int:mismatch_id>")
@login_required
def registers_mismatch(mismatch_id):
    return _mismatch_page(mismatch_in_scope(current_actor(), mismatch_id))


@bp.post("/registers/mismatches/<int:mismatch_id>/review")
@login_required
def registers_review(mismatch_id):
    m = mismatch_in_scope(current_actor(), mismatch_id)
    try:
        form = validated_form(ReviewForm, forms.payload(ReviewForm, request.form))
        case_id = review.open_from(m, current_actor(), {"visitor": form.visitor.data or "", "note": form.note.data or ""})
    except Invalid as e:
        return _mismatch_page(m, 422, review_errors=e.fields, posted=request.form)
    flash(pick("已立案 / the case is open"), "success")
    return redirect(url_for("views.case_page", case_id=case_id))


@bp.post("/registers/mismatches/<int:mismatch_id>/dismiss")
@login_required
def registers_dismiss(mismatch_id):
    m = mismatch_in_scope(current_actor(), mismatch_id)
    form = DismissForm(forms.formdata_for(DismissForm, request.form), meta=forms.meta())
    if not form.validate():
        return _mismatch_page(m, 422, dismiss_errors={k: "; ".join(map(str, v)) for k, v in form.errors.items()},
                              posted=request.form)
    review.dismiss(m, current_actor(), form.reason.data, form.evidence.data, form.receipt_no.data or "")
    flash(pick("已排除 / dismissed"), "success")
    return redirect(url_for("views.registers_mismatch", mismatch_id=m.id))


@bp.get("/registers/visits")
@login_required
def registers_visits():
    district = _district()
    township = request.args.get("township", "")[:100]
    return render_template("registers/visits.html", district=district, villages=visits.visit_list(district.id, township),
                           township=township, townships=lists.townships(district.id), form=forms.bound(DispatchForm),
                           labels=LABELS)


@bp.post("/registers/visits/dispatch")
@login_required
def registers_dispatch():
    district = _district()
    form = DispatchForm(forms.formdata_for(DispatchForm, request.form), meta=forms.meta())
    if not form.validate():
        flash(pick("请填写摸排责任人 / name who must visit"), "error")
        return redirect(url_for("views.registers_visits", district=district.code)), 303
    opened = visits.dispatch(district.id, current_actor(), form.visitor.data, form.township.data or "")
    flash(pick(f"已派发 {len(opened)} 项摸排任务 / {len(opened)} visits dispatched"), "success")
    return redirect(url_for("views.registers_visits", district=district.code))


@bp.route("/registers/report", methods=["GET", "POST"])
@login_required
def registers_report():
    district = _district()
    year = _year()
    form, status = forms.bound(FiguresForm, school_year=year), 200
    if request.method == "POST":
        form = FiguresForm(forms.formdata_for(FiguresForm, request.form), meta=forms.meta())
        if form.validate():
            figures.set_figures(district, history.by(current_actor()), form.school_year.data,
                                form.xueji_other_left.data, form.poverty_dropouts.data)
            year = form.school_year.data
        else:
            status = 422
    return render_template("registers/report.html", district=district, by_township=figures.by_township(district.id),
                           unified=figures.three_unified(district, year), form=form, kinds=KINDS,
                           labels=LABELS), status


@bp.get("/registers/report.xlsx")
@login_required
@export_limit
def registers_report_xlsx():
    district = _district()
    columns, rows = figures.township_table(figures.by_township(district.id))
    return table("xlsx", columns, rows, filename=f"{district.code}-四查三比对", fallback=f"{district.code}-registers",
                 title=f"{district.name} 四查三比对 比对结果", sheet="比对结果")
