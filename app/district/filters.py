"""The case list's filters, one parser for the API (`GET /api/v1/cases`) and the page (`/cases`).

Every filter becomes a WHERE clause over cases inside the actor's scope, so counting, paging and
exporting the same filtered list are the same query with a different ending.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, or_, select

from app.auth.scope import CARD_OPTIONS, unit_by_code
from app.engine import machine
from app.errors import BadRequest, Invalid
from app.extensions import db
from app.models import Case, CaseAssignee, Deadline, OrgUnit, Pupil, User
from app.models.pupils import numbered
from forms.base import REASONS

BOOL = {"true": True, "1": True, "false": False, "0": False}
FILTERS = ("state", "school", "class", "reason", "overdue", "level", "assignee", "q", "open")


def overdue_clause(now: datetime):
    """The case has an open deadline past due (or already escalated)."""
    return exists().where(Deadline.case_id == Case.id, Deadline.status == "open",
                          (Deadline.due_at < now) | (Deadline.level > 0))


@dataclass
class CaseFilter:
    values: dict = field(default_factory=dict)   # the filters as given (for links and the page's form)
    where: list = field(default_factory=list)

    @property
    def clause(self):
        return and_(*self.where)


def _bool(name: str, raw: str) -> bool:
    if raw not in BOOL:
        raise BadRequest(f"{name} 须为 true/false / {name} must be true or false", field=name)
    return BOOL[raw]


def parse(actor, args, now: datetime) -> CaseFilter:
    """Filters from query arguments; an unknown value is a 400/422 naming the parameter."""
    f = CaseFilter(where=[actor.case_filter()])
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
    if assignee := get("assignee"):
        f.where.append(exists().where(CaseAssignee.case_id == Case.id, CaseAssignee.user_id == User.id,
                                      User.username == assignee))
    if q := get("q")[:64]:
        # A 学籍号 (or one the pupil had before) is matched whole; a name by its beginning (names are masked).
        f.where.append(Case.pupil_id.in_(select(Pupil.id).where(
            or_(numbered(q.upper()), Pupil.name.startswith(q, autoescape=True)))))
    if open_only := get("open"):
        f.where.append(Case.closed_at.is_(None) if _bool("open", open_only) else Case.closed_at.is_not(None))
    f.values = {k: get(k) for k in FILTERS if get(k)}
    return f


def listing(now: datetime):
    """Cases with their overdue flag, newest first, with what a row of a list shows (pupil, class,
    assignees) loaded in a fixed number of queries; add .where(filter.clause)."""
    return (select(Case, overdue_clause(now).label("overdue")).options(*CARD_OPTIONS)
            .order_by(Case.id.desc()))


def page_of(flt: CaseFilter, now: datetime, page: int, per_page: int) -> list:
    """One page of the filtered list as (case, overdue) rows. The page's ids are picked first (an index
    walk over cases alone), so a deep page does not join or test the rows it skips; one statement."""
    ids = (select(Case.id).where(flt.clause).order_by(Case.id.desc()).limit(per_page)
           .offset((page - 1) * per_page).correlate(None).scalar_subquery())
    return db.session.execute(listing(now).where(Case.id.in_(ids))).unique().all()


def schools_in_scope(actor) -> list[OrgUnit]:
    return db.session.execute(select(OrgUnit).where(OrgUnit.kind == "school", actor.unit_filter(OrgUnit.path))
                              .order_by(OrgUnit.code)).scalars().all()
