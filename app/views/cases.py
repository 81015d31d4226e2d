"""The case list (filters, search, paging, XLSX export) and the new-case form."""

from urllib.parse import urlencode

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from app import clock

from app.district import filters as case_filters
from app.district import saved, team

from app.web import counting, paging
from app.deadlines import calendar
from app.auth.scope import MAX_ID, load_case_in_scope
from app.auth.roles import ASSIGNABLE_CHOICES
from app.engine import machine
from app.errors import BadRequest, Conflict, Invalid, NotAllowedNow, NotFound, NotPermitted
from app.engine.operations import fire, open_case
from app.engine.validation import date_fields
from app.extensions import db
from app.models import Case, OrgUnit, Pupil
from app.models.pupils import numbered
from app.reports import downloads
from app.views import access, bp, forms, idle, pickers
from app.views.i18n import label
from app.auth.actor import current_actor
from app.web.limits import export_limit
from forms.base import REASONS

PER_PAGE = 50


SEARCH_KEY = "case_search"


def _filtered():
    """The list's filters from the URL (a bad one is a 400/422 page naming it) and the time.

    The search text (a name or a 学籍号, which holds the national ID number) is posted, kept in the
    session and named in URLs only as search=1, so it never reaches browser history, a Referer or a log."""
    args = request.args.to_dict()
    if args.pop("search", None) == "1":
        args["q"] = session.get(SEARCH_KEY, "")
    now = clock.now()
    return case_filters.parse(current_actor(), args, now), now


def _links(flt) -> dict:
    """The filters as URL arguments: everything but the search text, which stays in the session."""
    links = {k: v for k, v in flt.values.items() if k != "q"}
    if "q" in flt.values:
        links["search"] = "1"
    return links


@bp.post("/cases")
@login_required
def case_search():
    """The filter form posts here; the list is shown by a redirect to a URL without the search text."""
    args = {k: v.strip() for k, v in request.form.items() if k in case_filters.FILTERS and v.strip()}
    q = args.pop("q", "")[:64]
    if q:
        session[SEARCH_KEY] = q
        args["search"] = "1"
    return redirect(url_for("views.case_list", **args), 303)


@bp.get("/cases")
@login_required
def case_list():
    flt, now = _filtered()
    actor = current_actor()
    defns = list(machine.registered().values())
    page = paging.lenient_page(request.args)
    count = select(func.count(Case.id)).where(flt.clause)
    # count(*), not count(id): the id is not in the unit path's index, the count then reads no rows
    by_state, total, exact = counting.about_by(count, Case.state, _states(defns),
                                               parts=[select(func.count()).select_from(Case).where(p) for p in flt.disjoint()],
                                               costly=flt.costly)
    found = case_filters.page_of(flt, now, page, PER_PAGE, request.args.get("after"))
    rows = found.rows
    pages = paging.meta(page, PER_PAGE, total, exact, found.next_after, more=found.more)
    links = _links(flt)
    may_assign = _may_assign(actor, defns)
    return render_template("cases.html", rows=rows, total=total, by_state=by_state, pages=pages,
                           filters=flt.values, links=links, schools=case_filters.school_choices(actor),
                           reasons=REASONS, defns=defns, states=_states(defns),
                           sort={"key": flt.sort, "desc": flt.descending},
                           may_assign=may_assign, assignable=pickers.reach_choices(actor) if may_assign else [],
                           roles=ASSIGNABLE_CHOICES, share_units=saved.share_units(actor),
                           saved_query=urlencode({k: v for k, v in links.items() if k in saved.SAVED}))


def _may_assign(actor, defns) -> bool:
    """Whether the user's roles may fire some workflow's assignment at all (each case is checked again)."""
    return any(t is not None and actor.role_names & set(t.roles) for t in map(team.assign_trigger, defns))


def _states(defns) -> dict:
    """Every registered state by name (a name two workflows share: the first one's)."""
    states = {}
    for d in defns:
        for name, st in d.states.items():
            states.setdefault(name, st)
    return states


EXPORT_LIMIT = 50_000
EXPORT_COLUMNS = ["个案编号", "学生(已脱敏)", "学籍号(已脱敏)", "学校", "班级", "状态", "辍学原因", "发现日期", "逾期",
                  "升级级别", "负责人", "更新时间"]


def _export(rows, now, name: str):
    """The list's rows as an XLSX file: pupils masked (no personal data, so not an access-log read)."""
    reasons = dict(REASONS)
    data = []
    for case, is_overdue in rows:
        p = case.pupil.to_dict(masked=True) if case.pupil is not None else dict.fromkeys(
            ("name", "student_no", "class_name"), "")
        data.append([case.id, p["name"], p["student_no"], case.school.name if case.school else "", p["class_name"],
                     label(machine.get(case.workflow).states[case.state]),
                     "、".join(reasons.get(r, r) for r in case.fields.get("reasons") or []), case.opened_on,
                     "是" if is_overdue else "", case.escalation_level or "",
                     "、".join(a.user.display_name or a.user.username for a in case.assignees),
                     calendar.to_local(case.updated_at).replace(tzinfo=None)])
    name = f"{name}-{calendar.local_date(now):%Y%m%d}"
    return downloads.table("xlsx", EXPORT_COLUMNS, data, filename=name, fallback=name, title="个案列表", sheet="个案")


@bp.get("/cases/export.xlsx")
@login_required
@export_limit
def case_export():
    flt, now = _filtered()
    rows = db.session.execute(case_filters.listing(now, flt).where(flt.clause).limit(EXPORT_LIMIT)).unique().all()
    return _export(rows, now, "baoxue-cases")


BULK_MAX = 500
BULK_ACTIONS = ("assign_to", "assign_me", "export")  # not trigger names: the page's own buttons


def _posted_ids() -> list[int]:
    raw = request.form.getlist("ids")
    if not raw:
        raise Invalid({"ids": "请先勾选个案 / select at least one case"})
    if len(raw) > BULK_MAX:
        raise Invalid({"ids": f"一次最多 {BULK_MAX} 个个案 / at most {BULK_MAX} cases at once"})
    try:
        return list(dict.fromkeys(int(v) for v in raw))
    except ValueError:
        raise BadRequest("个案编号须为整数 / case ids must be integers", field="ids") from None


@bp.post("/cases/bulk")
@login_required
@export_limit
def case_bulk():
    """Bulk actions on the ticked cases. Every case is loaded in scope first: one out of scope (or gone)
    makes the whole request a 404 with nothing changed. Then one engine step per case (fire(), the same
    assignment trigger the case page fires), each case's outcome reported: done, or refused and why."""
    actor = current_actor()
    action = request.form.get("action", "")
    if action not in BULK_ACTIONS:
        raise Invalid({"action": f"未知操作 / unknown action; one of {', '.join(BULK_ACTIONS)}"})
    cases = [load_case_in_scope(actor, case_id) for case_id in _posted_ids()]  # 404 before anything is done
    now = clock.now()
    if action == "export":
        ids = [c.id for c in cases]
        rows = db.session.execute(case_filters.listing(now).where(Case.id.in_(ids))).unique().all()
        return _export(rows, now, "baoxue-selected")
    if action == "assign_to":
        username, role = (request.form.get("username") or "").strip(), (request.form.get("role") or "").strip()
        errors = {}
        if not username:
            errors["username"] = "请选择用户 / pick a user"
        if role not in dict(ASSIGNABLE_CHOICES):
            errors["role"] = "请选择角色 / pick a role"
        if errors:
            raise Invalid(errors)
        payload = lambda case: {"username": username, "role": role}  # noqa: E731
    else:
        payload = lambda case: {"username": actor.username, "role": team.own_assignable_role(actor, case)}  # noqa: E731

    def step(case):
        trigger = team.assign_trigger(machine.get(case.workflow))
        if trigger is None:
            raise NotAllowedNow("此类个案没有指派操作 / this kind of case has no assignment")
        body = payload(case)
        if body["role"] is None:
            raise NotPermitted("您在此个案范围内没有可被指派的角色 / you hold no assignable role over this case")
        # the version the list showed (a case changed since is refused as stale), else the one just loaded
        fire(case.id, trigger.name, actor, body, version=request.form.get(f"v{case.id}", type=int) or case.version)

    outcomes = team.fire_each(cases, step)
    db.session.expire_all()
    return render_template("bulk_result.html", outcomes=outcomes, action=action), 200


def _asked_workflow():
    """The definition ?workflow= names (404 if none is registered so), by default the first one."""
    name = request.values.get("workflow") or machine.default().name
    if name not in machine.registered():
        raise NotFound("没有这个流程 / no such workflow")
    return machine.get(name)


def _subject(defn) -> tuple[str, str]:
    """(kind, open-form field) of what a case of `defn` is about; a definition naming no subject opens
    on a pupil by student_id, as the engine does."""
    subject = getattr(defn, "subject", None) or {"kind": "pupil", "field": "student_id"}
    get = subject.get if isinstance(subject, dict) else lambda key: getattr(subject, key, None)
    return get("kind"), get("field")


def _blank(defn):
    """The open form as first shown: its dates today."""
    today = calendar.local_date(clock.now())
    return forms.bound(defn.open_form, None, **dict.fromkeys(date_fields(defn.open_form), today))


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case():
    access.require("open")
    defn = _asked_workflow()
    if not current_actor().role_names & set(defn.open_roles):
        raise NotPermitted("您的角色不能新建此类个案 / your role may not open this kind of case",
                           roles_allowed=list(defn.open_roles))
    kind, field = _subject(defn)
    picker = field if kind == "pupil" else None  # the pupil is picked from the roster search
    q = (request.values.get("q") or "").strip()[:50] if picker else ""
    pupils = _roster_matches(q) if q else []
    page = {"defn": defn, "picker": picker, "q": q, "workflows": list(machine.registered().values())}
    if request.method == "POST" and request.form.get("find"):  # the roster search, posted
        return render_template("case_new.html", form=pickers.second_unit(defn, _blank(defn)), pupils=pupils, **page)
    if request.method == "POST":
        try:
            case_id = open_case(current_actor(), forms.payload(defn.open_form, request.form), workflow=defn.name)
        except Invalid as e:
            form = forms.bound(defn.open_form, request.form, e.fields)
        except Conflict as e:
            form = forms.bound(defn.open_form, request.form, {field: e.message})
            form.open_case_id = e.extra.get("open_case_id")
        else:
            return redirect(url_for("views.case_page", case_id=case_id, opened=1))
        chosen = request.form.get(picker, type=int) if picker else None
        if chosen and 0 < chosen <= MAX_ID and not any(p.id == chosen for p in pupils):
            pupils = _roster_matches(None, pupil_id=chosen) + pupils
        return render_template("case_new.html", form=pickers.second_unit(defn, form), pupils=pupils, **page), 422
    kept = idle.restored("/cases/new", current_user)  # typed before an idle expiry
    form = forms.bound(defn.open_form, kept[1]) if kept else _blank(defn)
    chosen = kept[1].get(picker, type=int) if kept and picker else None
    if chosen and not any(p.id == chosen for p in pupils):
        pupils = _roster_matches(None, pupil_id=chosen) + pupils
    return render_template("case_new.html", form=pickers.second_unit(defn, form), pupils=pupils, **page)


def _roster_matches(q: str | None, pupil_id: int | None = None, limit: int = 20) -> list[Pupil]:
    """Pupils in the user's scope by name (beginning) or 学籍号, for picking the one the case is about."""
    where = [current_actor().unit_filter(OrgUnit.path)]
    if pupil_id:
        where.append(Pupil.id == pupil_id)
    else:
        where.append(or_(Pupil.name.startswith(q, autoescape=True), numbered(q.upper())))
    return db.session.execute(select(Pupil).join(OrgUnit, Pupil.class_id == OrgUnit.id).where(*where)
                              .order_by(Pupil.name).limit(limit)).scalars().all()
