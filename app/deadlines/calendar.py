"""Working days of the Chinese calendar (official holidays and 调休 make-up days).

A day is decided by, in order: the admin's overrides in the database (`baoxue calendar set`), the
`chinesecalendar` package's official data, and for a year the package does not cover, plain weekends
(logged, and reported by has_official_data() so pages can warn). Deadlines fall at the end of a
working day in Asia/Shanghai and are stored as naive UTC.
"""
import calendar as _cal
import logging
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from time import monotonic
from zoneinfo import ZoneInfo

import chinese_calendar
from flask import has_app_context

from app.extensions import db
from app.models import CalendarDay

log = logging.getLogger(__name__)
TZ = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
REMIND_AT = time(9, 0)


OVERRIDE_TTL = 60.0  # seconds another process may go on using overrides it read before a change
_cache = {"at": -1e9, "days": {}}


def overrides() -> dict[date, tuple[str, str]]:
    """{day: (kind, note)} from the database, re-read at most every OVERRIDE_TTL seconds."""
    if monotonic() - _cache["at"] > OVERRIDE_TTL:
        _cache["days"] = _load_overrides()
        _cache["at"] = monotonic()
    return _cache["days"]


def _load_overrides() -> dict:
    if not has_app_context():
        return {}
    rows = db.session.execute(db.select(CalendarDay.day, CalendarDay.kind, CalendarDay.note)).all()
    return {d: (k, n) for d, k, n in rows}


def invalidate() -> None:
    _cache["at"] = -1e9


def is_workday(day: date) -> bool:
    return _workday(day, overrides())


def _workday(day: date, known: dict) -> bool:
    # `known`: the overrides, read once by a caller that walks many days (a step counts dozens).
    override = known.get(day)
    if override is not None:
        return override[0] == "workday"
    return _official(day)


@lru_cache(maxsize=8192)
def _official(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_fallback(day.year)
        return day.weekday() < 5


def has_official_data(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def describe(day: date) -> dict:
    """What the calendar says of a day, and why."""
    override = overrides().get(day)
    if override is not None:
        return {"day": day, "workday": override[0] == "workday", "source": "override", "note": override[1]}
    if not has_official_data(day.year):
        return {"day": day, "workday": day.weekday() < 5, "source": "weekend fallback", "note": ""}
    holiday, name = chinese_calendar.get_holiday_detail(day)
    workday = chinese_calendar.is_workday(day)
    note = (name or "") + (" 调休上班" if workday and day.weekday() >= 5 else "")
    return {"day": day, "workday": workday, "source": "official", "note": note.strip()}


@lru_cache(maxsize=64)
def _warn_fallback(year: int) -> None:
    log.warning("no official calendar data for %s: counting plain weekends", year)


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day` (n=0: `day` itself if it is one, else the next)."""
    if n == 0:
        return next_workday(day)
    step = 1 if n > 0 else -1
    left = abs(n)
    known = overrides()
    while left:
        day += timedelta(days=step)
        if _workday(day, known):
            left -= 1
    return day


def next_workday(day: date) -> date:
    known = overrides()
    while not _workday(day, known):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later (clamped to the month's end), moved to a working day."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return next_workday(date(year, month, min(day.day, _cal.monthrange(year, month)[1])))


def day_of_month(day: date, n: int) -> date:
    """The first n-th of a month on or after `day` (a shorter month's last day), moved to a working day."""
    year, month = day.year, day.month
    while True:
        candidate = date(year, month, min(n, _cal.monthrange(year, month)[1]))
        if candidate >= day:
            return next_workday(candidate)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def local_date(utc_naive: datetime) -> date:
    return utc_naive.replace(tzinfo=UTC).astimezone(TZ).date()


def to_local(utc_naive: datetime) -> datetime:
    return utc_naive.replace(tzinfo=UTC).astimezone(TZ)


def to_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=TZ).astimezone(UTC).replace(tzinfo=None)


def end_of_day(day: date) -> datetime:
    return to_utc(day, END_OF_DAY)
