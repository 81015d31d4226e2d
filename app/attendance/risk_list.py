"""The risk list as the pages show it: the entries in a reader's scope (a class, a school, the
district), each with its pupil, reasons, who tracks them (the named tracker, else the class
teachers) and the last contact (the last absence with its note, the last home visit), in a fixed
number of queries however long the list."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.attendance.people import class_teachers
from app.audit import history
from app.extensions import db
from app.models import Absence, Case, CaseEvent, OrgUnit, Pupil, RiskEntry, RoleAssignment, User
from app.reports import HOME_VISIT, step_marked
from app.web import paging


@dataclass
class Row:
    entry: RiskEntry
    pupil: Pupil
    trackers: list           # [User]: the named tracker, else the class teachers
    last_absence: Absence | None
    last_visit: date | None
    open_case_id: int | None


PER_PAGE = 100  # a district's list runs to thousands of pupils (14,000 at 100,000 pupils in the benchmark)


def entries(path_filter, unit_path: str | None = None, page: int = 1,
            per_page: int = PER_PAGE) -> tuple[list[Row], dict]:
    """One page of the open entries whose pupil's class lies under `path_filter` (an SQL clause over
    OrgUnit.path: the reader's scope) and `unit_path` (a school or class the reader picked), by class
    then name; and the page counts ({page, per_page, total, pages})."""
    where = [RiskEntry.cleared_at.is_(None), path_filter]
    if unit_path:
        where.append(OrgUnit.path.startswith(unit_path, autoescape=True))
    listing = (select(RiskEntry, Pupil).join(Pupil, Pupil.id == RiskEntry.pupil_id)
               .join(OrgUnit, OrgUnit.id == Pupil.class_id).where(*where))
    counted = select(func.count()).select_from(listing.with_only_columns(RiskEntry.id).subquery())
    found, meta = paging.fetch(listing.order_by(OrgUnit.path, Pupil.name, Pupil.id), counted, page, per_page,
                               scalars=False)
    return _rows(found), meta


def _rows(found) -> list[Row]:
    if not found:
        return []
    ids = [p.id for _, p in found]
    teachers = class_teachers(p.class_id for _, p in found)
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(
        {uid for ts in teachers.values() for uid in ts} | {e.tracker_id for e, _ in found if e.tracker_id}))).scalars()}
    last_day = (select(Absence.pupil_id, func.max(Absence.day).label("day")).where(Absence.pupil_id.in_(ids))
                .group_by(Absence.pupil_id).subquery())
    absences = {a.pupil_id: a for a in db.session.execute(select(Absence).join(
        last_day, (last_day.c.pupil_id == Absence.pupil_id) & (last_day.c.day == Absence.day))).scalars()}
    visits = dict(db.session.execute(
        select(Case.pupil_id, func.max(func.coalesce(CaseEvent.occurred_on, func.date(CaseEvent.at))))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.pupil_id.in_(ids), step_marked(HOME_VISIT, CaseEvent.action)).group_by(Case.pupil_id)).all())
    open_cases = dict(db.session.execute(select(Case.pupil_id, func.max(Case.id)).where(
        Case.pupil_id.in_(ids), Case.closed_at.is_(None)).group_by(Case.pupil_id)).all())
    rows = []
    for e, p in found:
        trackers = [users[e.tracker_id]] if e.tracker_id in users else [
            users[u] for u in teachers.get(p.class_id, []) if u in users]
        visit = visits.get(p.id)
        rows.append(Row(e, p, trackers, absences.get(p.id),
                        date.fromisoformat(str(visit)[:10]) if visit else None, open_cases.get(p.id)))
    return rows


def tracker_choices(class_path: str) -> list[User]:
    """Who may track a pupil of this class: the active users with a school role over it (its class
    teachers, grade leaders, school admins)."""
    return db.session.execute(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(User.active.is_(True), RoleAssignment.role.in_(("class_teacher", "grade_leader", "school_admin")),
               func.substr(class_path, 1, func.length(OrgUnit.path)) == OrgUnit.path)
        .order_by(User.display_name, User.username).distinct()).scalars().all()


def set_tracker(entry: RiskEntry, user: User | None, who: history.By) -> None:
    """Name who tracks the pupil (None: the class teacher again), on the admin-event log."""
    before = entry.tracker.username if entry.tracker else None
    entry.tracker_id = user.id if user else None
    history.admin_event(who, "risk_tracker_set", f"risk entry {entry.id} (pupil #{entry.pupil_id})",
                        {"tracker": before}, {"tracker": user.username if user else None})
    db.session.commit()
