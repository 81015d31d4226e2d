"""What early warning achieved, for the dashboard: how many cases it opened against those opened by
hand this school year, and how long after the pupil's first absence each kind was opened.

Lag of a case = the local day it was opened (opened_at) minus the first day of its absence run, in
calendar days. For a case early warning opened, the run is its streak (absence_streaks.first_day). For
a case opened by hand, it is the run of unexcused absences on consecutive school days ending at the
last unexcused absence on or before the day the case counts from (opened_on), if that absence is at
most RECENT calendar days before it; a hand-opened case with no such absence has no lag and is not
in the median. `median_days_earlier` = median lag of hand-opened cases − median lag of early-warning
cases (positive: early warning opened them that many days sooner); None when either has no case.
One query (the dashboard's fixed number of queries)."""
from datetime import date, timedelta
from statistics import median

from sqlalchemy import and_, select

from app.attendance.schooldays import is_school_day
from app.deadlines.calendar import local_date
from app.extensions import db
from app.models import Absence, AbsenceStreak, Case

RECENT = 7


def _as_date(v) -> date | None:
    return None if v is None else v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def _run_start(days: list[date], opened_on: date) -> date | None:
    """The first day of the run of consecutive school days absent ending at the last absence on or
    before `opened_on` (days: unexcused absences, any order)."""
    before = sorted({d for d in days if d <= opened_on}, reverse=True)
    if not before or (opened_on - before[0]).days > RECENT:
        return None
    start = before[0]
    for d in before[1:]:
        prev = start - timedelta(days=1)
        while not is_school_day(prev):
            prev -= timedelta(days=1)
        if d != prev:
            break
        start = d
    return start


def outcome(scope, since: date) -> dict:
    """`scope`: an SQL clause over Case selecting the cases the reader counts; cases opened from `since`."""
    rows = db.session.execute(
        select(Case.id, Case.opened_at, Case.opened_on, AbsenceStreak.first_day, Absence.day)
        .outerjoin(AbsenceStreak, and_(AbsenceStreak.case_id == Case.id, AbsenceStreak.opened_case.is_(True)))
        .outerjoin(Absence, and_(Absence.pupil_id == Case.pupil_id, Absence.excused.is_(False),
                                 Absence.day <= Case.opened_on, Absence.day >= since))
        .where(scope, Case.pupil_id.is_not(None), Case.opened_on >= since)).all()
    cases: dict[int, dict] = {}
    for case_id, opened_at, opened_on, first_day, day in rows:
        c = cases.setdefault(case_id, {"at": local_date(opened_at), "on": _as_date(opened_on),
                                       "streak": _as_date(first_day), "days": []})
        if day is not None:
            c["days"].append(_as_date(day))
    auto = [(c["at"] - c["streak"]).days for c in cases.values() if c["streak"]]
    hand = []
    for c in cases.values():
        if not c["streak"] and (start := _run_start(c["days"], c["on"])) is not None:
            hand.append((c["at"] - start).days)
    m_auto, m_hand = (median(auto) if auto else None), (median(hand) if hand else None)
    return {"opened_by_warning": len(auto), "opened_by_hand": len(cases) - len(auto),
            "hand_after_absences": len(hand), "median_days_warning": m_auto, "median_days_hand": m_hand,
            "median_days_earlier": None if m_auto is None or m_hand is None else m_hand - m_auto}
