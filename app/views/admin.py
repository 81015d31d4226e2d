"""Administration (admin role): users and role assignments, org units with enrolment, calendar
overrides, the workflow definition as a diagram with its deadlines, and the pupil roster import.
Each POST validates its form from forms/admin.py and calls the same operation as the CLI."""
from datetime import date, timedelta

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.audit import history
from app.auth import tokens
from app.auth import events as auth_events
from app.auth.actor import current_actor
from app.auth.scope import load_or_404
from app.deadlines import overrides as calendar_admin
from app.deadlines import calendar, incidents
from app.district import org as directory
from app.engine import machine
from app.engine.diagram import render as render_workflow
from app.errors import BaoxueError, Invalid, NotFound
from app.extensions import db
from app.models import ApiToken, OrgUnit, RoleAssignment, User
from app.roster.importer import ImportFileError, import_pupils, read_rows
from app.roster.pupils import EVERYWHERE
from app.views import access, bp, forms, idle
from app.views.i18n import lang, pick
from app.web import paging
from app.web.limits import import_limit
from forms.admin import CalendarDayForm, EnrolmentForm, RosterUploadForm, UnitForm, UserForm


def _guard():
    access.require("admin")


def _me() -> history.By:
    return history.by(current_actor())


def _posted(form_cls):
    """The posted form validated, or (form with errors) — the operation runs only on the first."""
    form = forms.bound(form_cls, request.form)
    return form, form.validate()


def _form_page(form_cls, operation, done_message, after):
    """The one shape of an admin form: GET shows it blank; a POST is validated, then operation(data)
    runs (its refusals land on the fields) and the browser is sent to after(data) with a notice, or
    the form comes back as typed with its errors (422). Returns (form, status, redirect or None)."""
    if request.method != "POST":
        kept = idle.restored(request.path, current_user)
        return forms.bound(form_cls, kept[1] if kept else None), 200, None
    form, ok = _posted(form_cls)
    if ok and _apply(form, lambda: operation(form.data)):
        flash(done_message(form.data), "ok")
        return form, 302, redirect(after(form.data))
    return form, 422, None


def _apply(form, operation) -> bool:
    """Run an operation; its refusals land on the form's fields."""
    try:
        operation()
        return True
    except Invalid as e:
        db.session.rollback()
        for name, message in e.fields.items():
            target = form._fields.get(name)
            (target.errors if target is not None else form.general_errors).append(pick(message))
    except BaoxueError as e:
        db.session.rollback()
        form.general_errors.append(pick(e.message))
    return False


@bp.get("/admin")
@login_required
def admin_home():
    _guard()
    year = calendar.local_date(clock.now()).year
    missing = [y for y in (year, year + 1) if not calendar.has_official_data(y)]
    return render_template("admin/home.html", missing_years=missing)


@bp.route("/admin/users", methods=["GET", "POST"])
@login_required
def admin_users():
    _guard()
    form, status, done = _form_page(
        UserForm, lambda d: directory.add_user(d["username"].strip(), d["role"], d["unit"].strip(),
                                               password=d["password"] or None, display_name=d["display_name"] or "",
                                               by=_me()),
        lambda d: f"已保存用户 {d['username']} / saved user {d['username']}", lambda d: url_for("views.admin_users"))
    if done:
        return done
    users = db.session.execute(select(User).options(selectinload(User.assignments).joinedload(RoleAssignment.unit))
                               .order_by(User.username)).scalars().all()
    by_user = {}
    for t in db.session.execute(select(ApiToken).order_by(ApiToken.id.desc())).scalars():
        by_user.setdefault(t.user_id, []).append(t)
    return render_template("admin/users.html", form=form, users=users, tokens=by_user, now=clock.now()), status


@bp.post("/admin/users/<int:user_id>/active")
@login_required
def admin_user_active(user_id):
    _guard()
    user = load_or_404(User, user_id, "没有这个用户 / no such user")
    directory.set_active(user, request.form.get("active") == "1", _me())
    return redirect(url_for("views.admin_users"))


@bp.post("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke")
@login_required
def admin_token_revoke(user_id, token_id):
    _guard()
    user = load_or_404(User, user_id, "没有这个用户 / no such user")
    tokens.revoke(user, token_id, by=current_user._get_current_object())  # 404 when not this user's
    return redirect(url_for("views.admin_users") + f"#user-{user.username}")


@bp.route("/admin/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def admin_password_reset(user_id):
    """GET: what a reset does, and the button. POST: a temporary password, shown on this answer once
    (never stored, never logged, not cached), to be changed by the user at their next login."""
    _guard()
    user = load_or_404(User, user_id, "没有这个用户 / no such user")
    if request.method != "POST":
        return render_template("admin/password_reset.html", user=user, temporary=None)
    temporary = directory.reset_password(user, _me())
    response = make_response(render_template("admin/password_reset.html", user=user, temporary=temporary))
    response.headers["Cache-Control"] = "no-store"
    return response


AUTH_ACTIONS = {"login": lazy_gettext("登录"), "login_failed": lazy_gettext("登录失败"), "logout": lazy_gettext("退出"),
                "token_issued": lazy_gettext("签发令牌"), "token_revoked": lazy_gettext("吊销令牌"), "password_changed": lazy_gettext("修改密码"),
                "idle_expired": lazy_gettext("闲置超时"), "deactivated": lazy_gettext("停用"), "reactivated": lazy_gettext("启用")}
AUTH_OUTCOMES = {"ok": lazy_gettext("成功"), "refused": lazy_gettext("拒绝"), "locked": lazy_gettext("已锁定")}


@bp.get("/admin/auth-events")
@login_required
def admin_auth_events():
    _guard()
    user = (request.args.get("user") or "").strip() or None
    result = auth_events.page(auth_events.user_filter(user), paging.lenient_page(request.args),
                              after=request.args.get("after"))
    return render_template("admin/auth_events.html", result=result, user=user, action_labels=AUTH_ACTIONS,
                           outcome_labels=AUTH_OUTCOMES)


@bp.post("/admin/users/<int:user_id>/roles/<int:assignment_id>/delete")
@login_required
def admin_role_delete(user_id, assignment_id):
    _guard()
    row = load_or_404(RoleAssignment, assignment_id, "没有这个角色分配 / no such role assignment")
    if row.user_id != user_id:
        raise NotFound("没有这个角色分配 / no such role assignment")
    directory.revoke_role(row, _me())
    return redirect(url_for("views.admin_users"))


@bp.route("/admin/units", methods=["GET", "POST"])
@login_required
def admin_units():
    _guard()
    form, status, done = _form_page(
        UnitForm, lambda d: directory.add_unit(d["code"].strip(), d["name"].strip(), d["kind"],
                                               (d["parent"] or "").strip() or None, d["enrolment"] or 0,
                                               by=_me()),
        lambda d: f"已添加单位 {d['code']} / added unit {d['code']}", lambda d: url_for("views.admin_units"))
    if done:
        return done
    units = db.session.execute(select(OrgUnit).order_by(OrgUnit.path)).scalars().all()
    return render_template("admin/units.html", form=form, units=units), status


@bp.post("/admin/units/<int:unit_id>/enrolment")
@login_required
def admin_unit_enrolment(unit_id):
    _guard()
    unit = load_or_404(OrgUnit, unit_id, "没有这个单位 / no such unit")
    form, ok = _posted(EnrolmentForm)
    if not ok:
        raise Invalid({"enrolment": "; ".join(form.enrolment.errors)})
    directory.set_enrolment(unit, form.enrolment.data, _me())
    return redirect(url_for("views.admin_units") + f"#unit-{unit.id}")


@bp.route("/admin/calendar", methods=["GET", "POST"])
@login_required
def admin_calendar():
    _guard()
    today = calendar.local_date(clock.now())
    month = request.args.get("month") or f"{today:%Y-%m}"
    try:
        year, month_no = (int(x) for x in month.split("-"))
        first = date(year, month_no, 1)
    except ValueError:
        raise Invalid({"month": "月份格式为 YYYY-MM / month must be YYYY-MM"}) from None
    moved = []  # what the change re-timed, for the notice
    form, status, done = _form_page(
        CalendarDayForm, lambda d: moved.append(_set_calendar_day(d)),
        lambda d: f"已更新 {d['day']}，{moved[0]} 项进行中的时限已重新计算 / updated {d['day']}, "
                  f"{moved[0]} open deadline(s) re-timed",
        lambda d: url_for("views.admin_calendar", month=f"{d['day']:%Y-%m}"))
    if done:
        return done
    days = calendar_admin.month(first.year, first.month)
    return render_template("admin/calendar.html", form=form, days=days, first=first, month=month,
                           official=calendar.has_official_data(first.year),
                           prev=f"{(first - timedelta(days=1)):%Y-%m}",
                           next=f"{date(first.year + first.month // 12, first.month % 12 + 1, 1):%Y-%m}"), status


def _set_calendar_day(d: dict) -> int:
    """Set or clear the override; how many open deadlines it re-timed."""
    if d["kind"] == "clear":
        done = calendar_admin.clear_day(d["day"], by=_me())
    else:
        done = calendar_admin.set_day(d["day"], d["kind"], d["note"] or "", by=_me())
    return done.moved if done else 0


@bp.get("/admin/workflow")
@login_required
def admin_workflow():
    """One registered workflow (?workflow=, by default the first): its diagram, clocks and steps."""
    _guard()
    defns = list(machine.registered().values())
    name = request.args.get("workflow") or defns[0].name
    if name not in machine.registered():
        raise NotFound("没有这个流程 / no such workflow")
    defn = machine.get(name)
    return render_template("admin/workflow.html", defn=defn, diagram=render_workflow(defn, lang()), workflows=defns)


@bp.route("/admin/import", methods=["GET", "POST"])
@login_required
@import_limit
def admin_import():
    _guard()
    form, report, status = forms.bound(RosterUploadForm), None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [pick("须上传 CSV 或 XLSX 文件 / a CSV or XLSX file is required")]
            status = 422
        else:
            try:
                report = import_pupils(read_rows(upload.read(), upload.filename), scope=EVERYWHERE, who=_me(),
                                       via="page", filename=upload.filename)
            except ImportFileError as e:
                form.file.errors = [pick(str(e))]
                status = 422
    return render_template("admin/import.html", form=form, report=report), status


@bp.get("/admin/deadline-failures")
@login_required
def admin_deadline_failures():
    """Deadline actions that failed (the incidents `baoxue worker status` lists), with a retry button."""
    _guard()
    return render_template("admin/deadline_failures.html", failures=incidents.recent(), now=clock.now())


@bp.post("/admin/deadline-failures/<int:failure_id>/retry")
@login_required
def admin_deadline_failure_retry(failure_id):
    _guard()
    result = incidents.retry_now(failure_id, _me())  # 404 when there is no such failure
    if result == "failed":
        flash("重试仍然失败，已记录 / the retry failed again and was recorded", "error")
    elif result == "skipped":
        flash("该时限已不再等待此操作，无需重试 / the deadline no longer waits for this action", "ok")
    else:
        flash(f"已重试并完成 / retried and done: {result}", "ok")
    return redirect(url_for("views.admin_deadline_failures"))
