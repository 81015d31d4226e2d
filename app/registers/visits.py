"""铁脚板摸排 lists: the children no register explains — still found by the latest comparison, not on the
school roster, not dismissed, and not yet visited (no visit opened, or its visit case still open) —
grouped by township and village, each with who must visit and by when (the visit case's open form and
its deadline on the deadline service). Three queries whatever the number of children."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from app.deadlines import calendar
from app.extensions import db
from app.models import Case, CaseEvent, Deadline, Mismatch
from app.registers import review


@dataclass
class Visit:
    mismatch: Mismatch
    visitor: str = ""
    due: datetime | None = None
    level: int = 0

    @property
    def due_day(self):
        return calendar.local_date(self.due) if self.due else None


@dataclass
class Village:
    township: str
    village: str
    visits: list = field(default_factory=list)


def unexplained(district_id: int):
    """WHERE clauses of the children no register explains."""
    open_visit = select(Case.id).where(Case.id == Mismatch.case_id, Case.closed_at.is_(None)).exists()
    return [Mismatch.district_id == district_id, Mismatch.resolved_at.is_(None), Mismatch.pupil_id.is_(None),
            or_(Mismatch.status == "open", (Mismatch.status == "case_opened") & open_visit)]


def visit_list(district_id: int, township: str = "") -> list[Village]:
    where = unexplained(district_id)
    if township:
        where.append(Mismatch.township == township)
    rows = list(db.session.scalars(select(Mismatch).where(*where).order_by(
        Mismatch.township, Mismatch.village, Mismatch.name, Mismatch.id)))
    case_ids = [m.case_id for m in rows if m.case_id]
    visitors, dues = {}, {}
    if case_ids:
        for case_id, data in db.session.execute(select(CaseEvent.case_id, CaseEvent.data).where(
                CaseEvent.case_id.in_(case_ids), CaseEvent.seq == 1)):
            visitors[case_id] = ((data or {}).get("form") or {}).get("visitor") or ""
        for case_id, due, level in db.session.execute(select(Deadline.case_id, func.min(Deadline.due_at),
                                                             func.max(Deadline.level)).where(
                Deadline.case_id.in_(case_ids), Deadline.status == "open").group_by(Deadline.case_id)):
            dues[case_id] = (due, level)
    groups: dict[tuple, Village] = {}
    for m in rows:
        group = groups.setdefault((m.township, m.village), Village(m.township, m.village))
        due, level = dues.get(m.case_id, (None, 0))
        group.visits.append(Visit(m, visitors.get(m.case_id, ""), due, level))
    return list(groups.values())


def dispatch(district_id: int, actor, visitor: str, township: str = "") -> list[int]:
    """Open a visit for every child of the list not yet dispatched (in `township`, if given), each
    through the engine; returns the cases opened. A bad visitor is refused by the first, so none opens."""
    where = unexplained(district_id) + [Mismatch.status == "open"]
    if township:
        where.append(Mismatch.township == township)
    opened = []
    for m in db.session.scalars(select(Mismatch).where(*where).order_by(Mismatch.id)).all():
        opened.append(review.open_from(m, actor, {"visitor": visitor}))
    return opened
