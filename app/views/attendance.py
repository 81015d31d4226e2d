"""The class teacher's attendance page (考勤: today's absentees of their class, made for a phone), the
class register import, and the risk list (重点生) per class and school with who tracks each pupil."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from app import clock
from app.attendance import register, risk_list
from app.attendance.absences import Mark, attendance_scope, class_day, mark_class_day
from app.attendance.schooldays import is_school_day
from app.audit import history
from app.auth.actor import current_actor
from app.auth.roles import RISK_READERS, TRACKER_ROLES
from app.auth.scope import load_or_404, unit_by_code
from app.deadlines.calendar import local_date
from app.district.presenters import needs_personal_data
from app.engine.validation import validated_form
from app.errors import Invalid, NotFound, NotPermitted
from app.extensions import db
from app.models import OrgUnit, Pupil, RiskEntry
from app.models.pupils import mask_name
from app.roster.files import ImportFileError
from app.views import access, bp, forms
from app.views.i18n import pick
from app.web.limits import import_limit
from app.web.paging import lenient_page
from forms.attendance import AbsenceForm, RegisterUploadForm
from forms.pupils import PupilForm



def _flag_labels() -> dict:
    """The risk flags' labels as the roster form names them, in the reader's language."""
    return {f.name: str(f.label.text) for f in PupilForm(meta=forms.meta()) if f.type == "BooleanField"}

NO_CLASS = "没有这个班级, 或不在您的范围内 / no such class in your scope"


def _classes(actor) -> list[OrgUnit]:
    scope = attendance_scope(actor)
    return db.session.execute(select(OrgUnit).where(OrgUnit.kind == "class", scope.sql(OrgUnit.path))
                              .order_by(OrgUnit.path)).scalars().all()


def _class_in_scope(actor, code: str | None) -> OrgUnit | None:
    """The class the page is about (the only one of a class teacher), None to pick one; out of scope: 404."""
    classes = _classes(actor)
    if not code:
        return classes[0] if len(classes) == 1 else None
    found = next((c for c in classes if c.code == code), None)
    if found is None:
        raise NotFound(NO_CLASS)
    return found


def _day(text: str | None) -> date:
    today = local_date(clock.now())
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid({"day": "日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD"}) from None
    if day > today:
        raise Invalid({"day": "不能晚于今天 / cannot be in the future"})
    return day


def _marks(klass: OrgUnit, day: date, posted) -> tuple[list[Mark], dict]:
    """The posted absentees through the one schema (AbsenceForm), errors by pupil id."""
    marks, errors = [], {}
    ids = {p for p in db.session.execute(select(Pupil.id).where(Pupil.class_id == klass.id)).scalars()}
    for raw in posted.getlist("absent"):
        pid = int(raw) if raw.isdigit() else 0
        if pid not in ids:
            raise NotFound("没有这个学生, 或不在您的范围内 / no such pupil in your scope")
        try:
            form = validated_form(AbsenceForm, {"student_id": pid, "day": day.isoformat(),
                                                "excused": posted.get(f"excused-{pid}") == "y",
                                                "reason": posted.get(f"reason-{pid}", "").strip()}, reuse=True)
        except Invalid as e:
            errors[pid] = "; ".join(pick(m) for m in e.fields.values())
            continue
        marks.append(Mark(pid, day, bool(form.excused.data), form.reason.data or ""))
    return marks, errors


@bp.route("/attendance", methods=["GET", "POST"])
@login_required
def attendance():
    access.require("attendance")
    actor = current_actor()
    klass = _class_in_scope(actor, request.values.get("class"))
    if klass is None:
        return render_template("attendance/pick.html", classes=_classes(actor))
    day, status, errors, report = _day(request.values.get("day")), 200, {}, None
    if request.method == "POST":
        if not is_school_day(day):
            raise Invalid({"day": "不是上课日（节假日或周末）/ not a school day (a holiday or weekend)"})
        marks, errors = _marks(klass, day, request.form)
        if errors:
            status = 422
        else:
            counts = mark_class_day(klass.id, day, marks, history.by(actor))
            flash(pick(f"已保存 {len(marks)} 名缺勤学生 / saved: {len(marks)} absent") +
                  (pick(f"，取消 {counts['removed']} 条 / , {counts['removed']} removed") if counts["removed"] else ""),
                  "ok")
            return redirect(url_for("views.attendance", **{"class": klass.code, "day": day.isoformat()}))
    pupils = db.session.execute(select(Pupil).where(Pupil.class_id == klass.id).order_by(Pupil.name, Pupil.id)
                                ).scalars().all()
    return render_template("attendance/class.html", klass=klass, day=day, pupils=pupils,
                           absences=class_day(klass.id, day), school_day=is_school_day(day), errors=errors,
                           posted=request.form if errors else None, upload=forms.bound(RegisterUploadForm),
                           report=report, classes=_classes(actor)), status


@bp.post("/attendance/import")
@login_required
@import_limit
def attendance_import():
    access.require("attendance")
    actor = current_actor()
    klass = _class_in_scope(actor, request.args.get("class"))
    if klass is None:
        raise NotFound(NO_CLASS)
    upload, status, report = forms.bound(RegisterUploadForm), 200, None
    file = request.files.get("file")
    if file is None or not file.filename:
        upload.file.errors = [pick("须上传 CSV 或 XLSX 文件 / a CSV or XLSX file is required")]
        status = 422
    else:
        try:
            report = register.import_register(register.read(file.read(), file.filename), scope=attendance_scope(actor),
                                              who=history.by(actor), class_id=klass.id)
        except ImportFileError as e:
            upload.file.errors = [pick(str(e))]
            status = 422
    day = local_date(clock.now())
    pupils = db.session.execute(select(Pupil).where(Pupil.class_id == klass.id).order_by(Pupil.name, Pupil.id)
                                ).scalars().all()
    return render_template("attendance/class.html", klass=klass, day=day, pupils=pupils,
                           absences=class_day(klass.id, day), school_day=is_school_day(day), errors={},
                           posted=None, upload=upload, report=report, classes=_classes(actor)), status


def _risk_scope(actor):
    return actor.unit_filter(OrgUnit.path)


@bp.get("/risk")
@login_required
def risk_page():
    access.require("risk")
    actor = current_actor()
    unit = None
    if code := request.args.get("unit"):
        unit = unit_by_code(code)
        if unit is None or not actor.roles_for_path(unit.path):
            raise NotFound("没有这个单位, 或不在您的范围内 / no such unit in your scope")
    rows, pages = risk_list.entries(_risk_scope(actor), unit.path if unit else None, lenient_page(request.args))
    shown = {r.pupil.id: (r.pupil.name if needs_personal_data(actor.roles_for_path(r.pupil.klass.path))
                          else mask_name(r.pupil.name)) for r in rows}
    can_assign = {r.entry.id for r in rows if actor.roles_for_path(r.pupil.klass.path) & set(TRACKER_ROLES)}
    schools = db.session.execute(select(OrgUnit).where(OrgUnit.kind.in_(("school", "class")),
                                                       _risk_scope(actor)).order_by(OrgUnit.path)).scalars().all()
    return render_template("attendance/risk.html", rows=rows, names=shown, unit=unit, units=schools,
                           can_assign=can_assign, choices=_tracker_choices(rows, can_assign), pages=pages,
                           flag_labels=_flag_labels())


def _tracker_choices(rows, can_assign) -> dict:
    """{entry id: the users who may track it}, one query per class on the page (not per pupil)."""
    by_class = {}
    for r in rows:
        if r.entry.id in can_assign and r.pupil.klass.path not in by_class:
            by_class[r.pupil.klass.path] = risk_list.tracker_choices(r.pupil.klass.path)
    return {r.entry.id: by_class[r.pupil.klass.path] for r in rows if r.entry.id in can_assign}


@bp.post("/risk/<int:entry_id>/tracker")
@login_required
def risk_tracker(entry_id):
    actor = current_actor()
    entry = load_or_404(RiskEntry, entry_id, "没有这条记录 / no such entry")
    roles = actor.roles_for_path(entry.pupil.klass.path)
    if not roles & set(RISK_READERS):
        raise NotFound("没有这条记录 / no such entry")
    if not roles & set(TRACKER_ROLES):
        raise NotPermitted("您的角色不能更改跟踪责任人 / your role may not change who tracks a pupil",
                           roles_allowed=list(TRACKER_ROLES))
    username = request.form.get("username", "")
    choices = {u.username: u for u in risk_list.tracker_choices(entry.pupil.klass.path)}
    if username and username not in choices:
        raise Invalid({"username": "不能由此人跟踪 / this person may not track the pupil"})
    risk_list.set_tracker(entry, choices.get(username), history.by(actor))
    flash(pick("已更改跟踪责任人 / tracker changed"), "ok")
    return redirect(url_for("views.risk_page", unit=request.form.get("unit") or None))
