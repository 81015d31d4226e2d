"""Recording absences: one row per pupil and school day (re-marking updates it), only for pupils in the
writer's attendance scope (a class teacher: their class). Presences are never stored; a class's day
marked again with a pupil no longer absent removes that pupil's absence for the day."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select, tuple_
from sqlalchemy.exc import IntegrityError

from app import clock
from app.attendance.schooldays import is_school_day
from app.audit.history import By
from app.auth.roles import ATTENDANCE_ROLES
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import Absence, OrgUnit, Pupil
from app.roster.pupils import EVERYWHERE, RosterScope

NOT_SCHOOL_DAY = "不是上课日（节假日或周末）/ not a school day (a holiday or weekend)"
NO_PUPIL = "没有这个学生, 或不在您的范围内 / no such pupil in your scope"


@dataclass(frozen=True)
class Mark:
    pupil_id: int
    day: date
    excused: bool = False
    reason: str = ""


def attendance_scope(actor) -> RosterScope:
    """The classes under the actor's attendance grants (a class teacher's class, a grade, a school);
    the admin and the CLI operator: everywhere."""
    if actor is None or actor.has_role("admin"):
        return EVERYWHERE
    return RosterScope(tuple(g.path for g in actor.grants if g.role in ATTENDANCE_ROLES))


def pupils_in_scope(ids, scope: RosterScope) -> set[int]:
    """Which of the pupil ids exist inside the scope (one query)."""
    ids = sorted(set(ids))
    if not ids:
        return set()
    return set(db.session.execute(select(Pupil.id).join(OrgUnit, Pupil.class_id == OrgUnit.id)
                                  .where(Pupil.id.in_(ids), scope.sql(OrgUnit.path))).scalars())


def check(marks: list[Mark], scope: RosterScope, item: str = "absences") -> None:
    """Refuse the whole batch naming the item: a day that is no school day is 422; a pupil outside
    the scope (or none) is 404, as for every other out-of-scope read or write."""
    bad = {f"{item}[{i}].day": NOT_SCHOOL_DAY for i, m in enumerate(marks) if not is_school_day(m.day)}
    if bad:
        raise Invalid(bad)
    known = pupils_in_scope([m.pupil_id for m in marks], scope)
    missing = [i for i, m in enumerate(marks) if m.pupil_id not in known]
    if missing:
        raise NotFound(f"{item}[{missing[0]}].student_id: {NO_PUPIL}")


def record(marks: list[Mark], who: By, *, commit: bool = True) -> dict:
    """Insert or update each (pupil, day); the last mark of a pair in one batch wins. Returns counts."""
    latest = {(m.pupil_id, m.day): m for m in marks}
    now = clock.now()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for attempt in (1, 2):  # a concurrent writer inserted one of the pairs: the second pass updates it
        try:
            counts = _upsert(latest, who, now)
            if commit:
                db.session.commit()
            return counts
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    return counts


def _upsert(latest: dict, who: By, now) -> dict:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    existing = {}
    keys = list(latest)
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        existing.update({(a.pupil_id, a.day): a for a in db.session.execute(
            select(Absence).where(tuple_(Absence.pupil_id, Absence.day).in_(chunk))).scalars()})
    for key, m in latest.items():
        row = existing.get(key)
        if row is None:
            db.session.add(Absence(pupil_id=m.pupil_id, day=m.day, excused=m.excused, reason=m.reason,
                                   recorded_by_id=who.id, recorded_by=who.name, recorded_at=now))
            counts["created"] += 1
        elif (row.excused, row.reason) == (m.excused, m.reason):
            counts["unchanged"] += 1
        else:
            row.excused, row.reason = m.excused, m.reason
            row.recorded_by_id, row.recorded_by, row.recorded_at = who.id, who.name, now
            counts["updated"] += 1
    db.session.flush()
    return counts


def mark_class_day(class_id: int, day: date, marks: list[Mark], who: By) -> dict:
    """The class teacher's page: `marks` are the day's absentees of the class; any other pupil of the
    class absent that day by an earlier mark is present after all (its absence removed). One transaction."""
    absent = {m.pupil_id for m in marks}
    pupils = select(Pupil.id).where(Pupil.class_id == class_id)
    removed = db.session.execute(delete(Absence).where(
        Absence.day == day, Absence.pupil_id.in_(pupils), Absence.pupil_id.not_in(absent or {0}))
        .execution_options(synchronize_session=False)).rowcount
    counts = record(marks, who, commit=False)
    db.session.commit()
    return {**counts, "removed": removed or 0}


def class_day(class_id: int, day: date) -> dict[int, Absence]:
    """{pupil id: absence} of a class on a day."""
    return {a.pupil_id: a for a in db.session.execute(
        select(Absence).join(Pupil, Pupil.id == Absence.pupil_id)
        .where(Pupil.class_id == class_id, Absence.day == day)).scalars()}
