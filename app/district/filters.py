"""The case list's filters, one parser for the API (`GET /api/v1/cases`) and the page (`/cases`).

Every filter becomes a WHERE clause over cases inside the actor's scope, so counting, paging and
exporting the same filtered list are the same query with a different ending.
"""
from dataclasses import dataclass, field
from datetime import datetime

import json

from sqlalchemy import String, and_, cast, exists, false, func, not_, or_, select, union_all

from app.auth.roles import PERSONAL_DATA_ROLES
from app.auth.scope import CARD_OPTIONS, unit_by_code
from app.engine import machine
from app.errors import BadRequest, Invalid
from app.extensions import db
from app.models import Case, CaseAssignee, OrgUnit, Pupil, User
from app.models.pupils import numbered
from app.web import counting
from app.web.capped import up_to
from app.web.keyset import Keys
from forms.base import REASONS

BOOL = {"true": True, "1": True, "false": False, "0": False}
FILTERS = ("state", "school", "class", "reason", "overdue", "level", "assignee", "q", "open", "sort", "dir")
COSTLY = ("q", "assignee", "reason", "level", "open")
SORTS = ("id", "pupil", "school", "class", "state", "reasons", "opened_on", "overdue", "level", "assignee",
         "updated")


def overdue_clause(now: datetime):
    """The case has an open deadline that has fallen due: the indexed flag the deadline service keeps
    (cases.overdue, set by the due action at the due moment — its timer, or the sweep within a minute).
    `now` stays in the signature: the lists and figures ask "overdue as of now"."""
    return Case.overdue.is_(True)


@dataclass
class CaseFilter:
    values: dict = field(default_factory=dict)   # the filters as given (for links and the page's form)
    where: list = field(default_factory=list)    # the scope first, then each filter
    scope_parts: list = field(default_factory=list)  # the scope's branches (Actor.case_filter_parts)
    sort: str = "id"
    descending: bool = True

    @property
    def clause(self):
        return and_(*self.where)

    @property
    def costly(self) -> bool:
        """Whether a filter is given that no index of the cases answers (each case's row, or its pupil's,
        is tested): counting all of a district's matches exactly then costs a pass over every case."""
        return any(k in self.values for k in COSTLY)

    def disjoint(self) -> list:
        """Clauses, no two true of one case, whose OR is `clause`: each branch of the scope with the
        filters, less the branches before it. Counted one by one, a branch is a range of one index (its
        unit path's, which holds the state: an index-only count); a count of their OR reads every
        case's row."""
        out = []
        for i, branch in enumerate(self.scope_parts):
            earlier = [not_(func.coalesce(b, false())) for b in self.scope_parts[:i]]  # NULL counts as "not"
            out.append(and_(branch, *earlier, *self.where[1:]))
        return out


def _bool(name: str, raw: str) -> bool:
    if raw not in BOOL:
        raise BadRequest(f"{name} 须为 true/false / {name} must be true or false", field=name)
    return BOOL[raw]


def parse(actor, args, now: datetime) -> CaseFilter:
    """Filters from query arguments; an unknown value is a 400/422 naming the parameter."""
    f = CaseFilter(where=[actor.case_filter()], scope_parts=actor.case_filter_parts())
    get = lambda name: (args.get(name) or "").strip()  # noqa: E731
    if state := get("state"):
        if state not in {s for d in machine.registered().values() for s in d.states}:
            raise Invalid({"state": f"未知状态 / unknown state {state!r}"})
        f.where.append(Case.state == state)
    if school := get("school"):
        unit = unit_by_code(school)
        f.where.append(Case.school_id == (unit.id if unit and unit.kind == "school" else -1))
    if klass := get("class"):
        unit = unit_by_code(klass)
        f.where.append(Case.unit_path == (unit.path if unit else "-"))
    if reason := get("reason"):
        if reason not in dict(REASONS):
            raise Invalid({"reason": f"未知原因 / unknown reason {reason!r}"})
        # the JSON list's text holds the code quoted (cases.fields, 0014: JSON extraction on either database)
        f.where.append(Case.fields["reasons"].as_string().like(f'%"{reason}"%'))
    if overdue := get("overdue"):
        clause = overdue_clause(now)
        f.where.append(clause if _bool("overdue", overdue) else ~clause)
    if level := get("level"):
        if level not in ("0", "1", "2", "3"):
            raise Invalid({"level": "升级级别须为 0–3 / level must be 0–3"})
        f.where.append(Case.escalation_level == int(level))
    if assignee := get("assignee")[:64]:
        # the names the list shows (a display name, or part of one), or a username
        f.where.append(assigned_to(assignee))
    if q := get("q")[:64]:
        f.where.append(search_clause(actor, q))
    if open_only := get("open"):
        f.where.append(Case.closed_at.is_(None) if _bool("open", open_only) else Case.closed_at.is_not(None))
    if sort := get("sort"):
        if sort not in SORTS:
            raise Invalid({"sort": f"未知排序列 / unknown sort column {sort!r}; one of {', '.join(SORTS)}"})
        f.sort = sort
    if direction := get("dir"):
        if direction not in ("asc", "desc"):
            raise Invalid({"dir": "排序方向须为 asc/desc / dir must be asc or desc"})
        f.descending = direction == "desc"
    f.values = {k: get(k) for k in FILTERS if get(k)}
    return f


def assigned_to(name: str):
    """Cases one of whose assignees has this username, or a display name containing `name`."""
    return exists().where(CaseAssignee.case_id == Case.id, CaseAssignee.user_id == User.id,
                          or_(User.username == name, User.display_name.contains(name, autoescape=True)))


def _json_text(text: str) -> str:
    """`text` as it appears inside a stored JSON string (SQLAlchemy writes JSON with ASCII escapes:
    王 is \\u738b in the column's text on either database)."""
    return json.dumps(text)[1:-1]


def search_clause(actor, q: str):
    """One search box: part of a 学籍号 (or a former number, whole), a name's beginning, the responsible
    teacher (assignee's display name, part of it), and — only over the cases where the actor's role needs
    the pupil's personal data — the village / township / address and a guardian's name (part of them).

    A role that sees pupils masked cannot search by what the mask hides, so a search never tells it
    whose guardian is called what or who lives in which village. LIKE patterns are escaped (autoescape):
    a search for "%" or "_" finds those characters, not everything."""
    upper = q.upper()
    pupil_match = [Pupil.name.startswith(q, autoescape=True)]
    personal_paths = [g.path for g in actor.grants if g.role in PERSONAL_DATA_ROLES]
    if len(q) >= 4 and personal_paths:
        # a part of the number: the middle digits are masked for roles without need
        pupil_match.append(Pupil.student_no.contains(upper, autoescape=True))
    personal = []
    if personal_paths:
        personal = [Pupil.village.contains(q, autoescape=True), Pupil.township.contains(q, autoescape=True),
                    Pupil.address.contains(q, autoescape=True)]
        if not q.isascii():  # guardians' names; an ASCII word would match the JSON's own keys
            personal.append(cast(Pupil.guardians, String).contains(_json_text(q), autoescape=True))
    # A whole number (or a former one) by its unique indexes; the rest tested on each case's own pupil
    # row (by primary key): an OR of them over the pupils table was one scan of all its rows.
    clauses = [numbered(upper, Case.pupil_id), exists().where(Pupil.id == Case.pupil_id, or_(*pupil_match))]
    if personal:
        in_personal = or_(*[Case.unit_path.startswith(p, autoescape=True) for p in personal_paths])
        # Correlated: each case in scope tests its own pupil's row (by primary key). No index serves a
        # "contains" over 5,000,000 pupils' villages and addresses, so the set of every matching pupil
        # (the IN form) cost a full scan of them on every search, however small the scope.
        clauses.append(and_(in_personal, exists().where(Pupil.id == Case.pupil_id, or_(*personal))))
    clauses.append(assigned_to(q))
    return or_(*clauses)


def _sort_key(sort: str, now: datetime):
    """The column a list is sorted by, as an expression over one case row (correlated subqueries, so the
    id-picking query and the row-loading query sort alike without joining)."""
    if sort == "pupil":
        return func.coalesce(select(Pupil.name).where(Pupil.id == Case.pupil_id).scalar_subquery(), "")
    if sort == "school":
        return func.coalesce(select(OrgUnit.name).where(OrgUnit.id == Case.school_id).scalar_subquery(), "")
    if sort == "class":
        return func.coalesce(select(OrgUnit.name).join(Pupil, Pupil.class_id == OrgUnit.id)
                             .where(Pupil.id == Case.pupil_id).scalar_subquery(), "")
    if sort == "assignee":
        return func.coalesce(select(func.min(User.display_name)).join(CaseAssignee, CaseAssignee.user_id == User.id)
                             .where(CaseAssignee.case_id == Case.id).scalar_subquery(), "")
    if sort == "overdue":
        return Case.overdue  # the flag itself, so its index (ix_cases_sort_overdue) serves the sort
    if sort == "reasons":
        return func.coalesce(Case.fields["reasons"].as_string(), "")
    return {"id": Case.id, "state": Case.state, "opened_on": Case.opened_on, "level": Case.escalation_level,
            "updated": Case.updated_at}[sort]


def keys(flt: "CaseFilter | None", now: datetime) -> Keys:
    """The list's sort: the chosen column, then the id (the same direction), so equal values keep one
    order and paging — by number or by cursor (app/web/keyset.py) — neither repeats nor skips a row."""
    if flt is None or flt.sort == "id":
        return Keys(Case.id, descending=flt is None or flt.descending)
    return Keys(_sort_key(flt.sort, now), Case.id, descending=flt.descending)


def order_by(flt: "CaseFilter | None", now: datetime) -> list:
    return keys(flt, now).order_by


def listing(now: datetime, flt: CaseFilter | None = None):
    """Cases with their overdue flag, in the filter's order (newest first by default), with what a row of a
    list shows (pupil, class, school, assignees) loaded in a fixed number of queries; add .where(filter.clause)."""
    return (select(Case, overdue_clause(now).label("overdue")).options(*CARD_OPTIONS)
            .order_by(*order_by(flt, now)))


def _by_branches(flt: CaseFilter, reach: int) -> bool:
    """Whether the ids of a page sorted by id are picked branch by branch (PostgreSQL). Walking the id
    index reads about reach / density rows (density: the scope's share of all cases) — nothing for a
    province, whose every case matches, but a district's deep page read 500,000 rows (350 ms); reading
    the scope's branches from the unit path's index reads the whole scope (20,000 entries: 8 ms). So the
    branches when scope² < reach × all cases, by the planner's estimates."""
    if flt.sort != "id" or len(flt.scope_parts) < 2:
        return False
    scope = counting.estimate(select(Case.id).where(flt.clause))
    if scope is None:  # SQLite: a zero-setup first run, never a province
        return False
    return scope * scope < reach * max(counting.estimate(select(Case.id)), 1)


@dataclass
class Page:
    rows: list                 # (case, overdue) rows
    next_after: str | None     # the next page's cursor; None on the last page
    more: bool


def page_of(flt: CaseFilter, now: datetime, page: int, per_page: int, after: str | None = None) -> Page:
    """One page of the filtered list, in one statement. The page's ids are picked first, over cases alone
    (an index walk in the sort's order), starting after the cursor when one is given, else at the page
    number's OFFSET, so a deep page does not join or test the rows it skips; then those rows are loaded
    with what a row shows and their sort keys (the next cursor). Both halves sort by the same keys, the
    id last, so the page is the same rows in the same order. One row more than the page is picked, to
    know whether a next page exists without counting."""
    ks = keys(flt, now)
    skip = 0 if after else (page - 1) * per_page
    if _by_branches(flt, skip + per_page + 1):
        # each branch of the scope an index-only range (0032), their ids sorted together
        branches = [select(Case.id).where(part, *([ks.after(ks.read(after))] if after else []))
                    for part in flt.disjoint()]
        ids = union_all(*branches).subquery()
        picked = (select(ids.c.id).order_by(ids.c.id.desc() if flt.descending else ids.c.id.asc())
                  .limit(per_page + 1).offset(skip))
    else:
        picked = select(Case.id).where(flt.clause).order_by(*ks.order_by).limit(per_page + 1)
        picked = picked.where(ks.after(ks.read(after))) if after else picked.offset(skip)
    found = db.session.execute(listing(now, flt).add_columns(*ks.exprs)
                               .where(Case.id.in_(picked.correlate(None).scalar_subquery()))).unique().all()
    more, found = len(found) > per_page, found[:per_page]
    return Page([(r[0], r[1]) for r in found], ks.cursor(list(found[-1][2:])) if more else None, more)


def _schools_query(actor):
    return select(OrgUnit).where(OrgUnit.kind == "school", actor.unit_filter(OrgUnit.path)).order_by(OrgUnit.code)


def schools_in_scope(actor) -> list[OrgUnit]:
    return db.session.execute(_schools_query(actor)).scalars().all()


# The list's school filter is a select up to this many schools (a district's few dozen); over a province's
# 1,500 it would be most of the page, so it becomes a box for the school's code.
SCHOOL_SELECT_MAX = 200


def school_choices(actor) -> list[OrgUnit] | None:
    """The schools of the list's filter, or None past SCHOOL_SELECT_MAX (the code is typed)."""
    return up_to(_schools_query(actor), SCHOOL_SELECT_MAX, scalars=True)
