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

from sqlalchemy import and_, select

from app.attendance.schooldays import is_school_day
from app.deadlines.calendar import local_date
from app.extensions import db
from app.models import Absence, AbsenceStreak, Case
from app.reports.sums import bump, median, merge

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
    out = empty()
    for s in stats(scope, since).values():
        merge(out, s)
    return figures(out)


def stats(scope, since: date, by=()) -> dict:
    """{group: counts} of outcome(), the cases grouped by the columns `by` (none: the one group ()):
    the lags as histograms {days: cases}, which add up over groups (app/reports/sums.py)."""
    rows = db.session.execute(
        select(*by, Case.id, Case.opened_at, Case.opened_on, AbsenceStreak.first_day, Absence.day)
        .outerjoin(AbsenceStreak, and_(AbsenceStreak.case_id == Case.id, AbsenceStreak.opened_case.is_(True)))
        .outerjoin(Absence, and_(Absence.pupil_id == Case.pupil_id, Absence.excused.is_(False),
                                 Absence.day <= Case.opened_on, Absence.day >= since))
        .where(scope, Case.pupil_id.is_not(None), Case.opened_on >= since)).all()
    cases: dict[int, dict] = {}
    for *key, case_id, opened_at, opened_on, first_day, day in rows:
        c = cases.setdefault(case_id, {"key": tuple(key), "at": local_date(opened_at), "on": _as_date(opened_on),
                                       "streak": _as_date(first_day), "days": []})
        if day is not None:
            c["days"].append(_as_date(day))
    out: dict = {}
    for c in cases.values():
        s = out.setdefault(c["key"], empty())
        s["cases"] += 1
        if c["streak"]:
            bump(s["auto"], (c["at"] - c["streak"]).days)
        elif (start := _run_start(c["days"], c["on"])) is not None:
            bump(s["hand"], (c["at"] - start).days)
    return out


def empty() -> dict:
    return {"cases": 0, "auto": {}, "hand": {}}


def figures(s: dict) -> dict:
    """The figures of summed counts (stats())."""
    m_auto, m_hand = median(s["auto"]), median(s["hand"])
    auto = sum(s["auto"].values())
    return {"opened_by_warning": auto, "opened_by_hand": s["cases"] - auto,
            "hand_after_absences": sum(s["hand"].values()), "median_days_warning": m_auto, "median_days_hand": m_hand,
            "median_days_earlier": None if m_auto is None or m_hand is None else m_hand - m_auto}
