"""The case list (filters, search, paging, XLSX export) and the new-case form."""

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app import clock

from app.district import filters as case_filters

from app.web import paging
from app.deadlines import calendar
from app.auth.scope import MAX_ID
from app.engine import machine
from app.errors import Conflict, Invalid
from app.engine.operations import open_case
from app.extensions import db
from app.models import Case, OrgUnit, Pupil
from app.models.pupils import numbered
from app.reports import downloads
from app.views import access, bp, forms, idle
from app.views.i18n import label
from app.views.setup import actor
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
    return case_filters.parse(actor(), args, now), now


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
    page = paging.lenient_page(request.args)
    by_state = dict(db.session.execute(select(Case.state, func.count(Case.id)).where(flt.clause)
                                       .group_by(Case.state)).all())
    total = sum(by_state.values())  # the counts per state add up to the total: one scan, not two
    rows = case_filters.page_of(flt, now, page, PER_PAGE)
    pages = {"page": page, "pages": (total + PER_PAGE - 1) // PER_PAGE, "total": total}
    return render_template("cases.html", rows=rows, total=total, by_state=by_state, pages=pages,
                           filters=flt.values, links=_links(flt), schools=case_filters.schools_in_scope(actor()),
                           reasons=REASONS, defn=machine.get("dropout"))


EXPORT_LIMIT = 50_000


@bp.get("/cases/export.xlsx")
@login_required
@export_limit
def case_export():
    flt, now = _filtered()
    rows = db.session.execute(case_filters.listing(now).where(flt.clause).limit(EXPORT_LIMIT)).unique().all()
    defn = machine.get("dropout")
    reasons = dict(REASONS)
    columns = ["个案编号", "学生(已脱敏)", "学籍号(已脱敏)", "班级", "状态", "辍学原因", "发现日期", "逾期", "升级级别",
               "负责人", "更新时间"]
    data = []
    for case, is_overdue in rows:
        p = case.pupil.to_dict(masked=True)
        data.append([case.id, p["name"], p["student_no"], p["class_name"], label(defn.states[case.state]),
                     "、".join(reasons.get(r, r) for r in case.fields.get("reasons") or []), case.opened_on,
                     "是" if is_overdue else "", case.escalation_level or "",
                     "、".join(a.user.display_name or a.user.username for a in case.assignees),
                     calendar.to_local(case.updated_at).replace(tzinfo=None)])
    name = f"baoxue-cases-{calendar.local_date(now):%Y%m%d}"
    return downloads.table("xlsx", columns, data, filename=name, fallback=name, title="个案列表", sheet="个案")


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case():
    access.require("open")
    defn = machine.get("dropout")
    q = (request.values.get("q") or "").strip()[:50]
    pupils = _roster_matches(q) if q else []
    if request.method == "POST" and request.form.get("find"):  # the roster search, posted
        form = forms.bound(defn.open_form, None, detected_on=calendar.local_date(clock.now()))
        return render_template("case_new.html", form=form, pupils=pupils, q=q)
    if request.method == "POST":
        try:
            case_id = open_case(actor(), forms.payload(defn.open_form, request.form))
        except Invalid as e:
            form = forms.bound(defn.open_form, request.form, e.fields)
        except Conflict as e:
            form = forms.bound(defn.open_form, request.form, {"student_id": e.message})
            form.open_case_id = e.extra.get("open_case_id")
        else:
            return redirect(url_for("views.case_page", case_id=case_id, opened=1))
        chosen = request.form.get("student_id", type=int)
        if chosen and 0 < chosen <= MAX_ID and not any(p.id == chosen for p in pupils):
            pupils = _roster_matches(None, pupil_id=chosen) + pupils
        return render_template("case_new.html", form=form, pupils=pupils, q=q), 422
    kept = idle.restored("/cases/new", current_user)  # typed before an idle expiry
    form = (forms.bound(defn.open_form, kept[1]) if kept
            else forms.bound(defn.open_form, None, detected_on=calendar.local_date(clock.now())))
    chosen = kept[1].get("student_id", type=int) if kept else None
    if chosen and not any(p.id == chosen for p in pupils):
        pupils = _roster_matches(None, pupil_id=chosen) + pupils
    return render_template("case_new.html", form=form, pupils=pupils, q=q)


def _roster_matches(q: str | None, pupil_id: int | None = None, limit: int = 20) -> list[Pupil]:
    """Pupils in the user's scope by name (beginning) or 学籍号, for picking the one the case is about."""
    from sqlalchemy import or_
    where = [actor().unit_filter(OrgUnit.path)]
    if pupil_id:
        where.append(Pupil.id == pupil_id)
    else:
        where.append(or_(Pupil.name.startswith(q, autoescape=True), numbered(q.upper())))
    return db.session.execute(select(Pupil).join(OrgUnit, Pupil.class_id == OrgUnit.id).where(*where)
                              .order_by(Pupil.name).limit(limit)).scalars().all()
