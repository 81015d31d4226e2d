"""Working days of the Chinese calendar (official holidays and 调休 make-up days).

Data comes from the `chinesecalendar` package; for a year it does not cover, plain weekends are used
and the fact is logged. (Admin overrides in the database arrive with the deadline service.)
Deadlines fall at the end of a working day in Asia/Shanghai and are stored as naive UTC.
"""
import calendar as _cal
import logging
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)
TZ = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
REMIND_AT = time(9, 0)


@lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_fallback(day.year)
        return day.weekday() < 5


@lru_cache(maxsize=64)
def _warn_fallback(year: int) -> None:
    log.warning("no official calendar data for %s: counting plain weekends", year)


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day` (n=0: `day` itself if it is one, else the next)."""
    if n == 0:
        return next_workday(day)
    step = 1 if n > 0 else -1
    left = abs(n)
    while left:
        day += timedelta(days=step)
        if is_workday(day):
            left -= 1
    return day


def next_workday(day: date) -> date:
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later (clamped to the month's end), moved to a working day."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return next_workday(date(year, month, min(day.day, _cal.monthrange(year, month)[1])))


def local_date(utc_naive: datetime) -> date:
    return utc_naive.replace(tzinfo=UTC).astimezone(TZ).date()


def to_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=TZ).astimezone(UTC).replace(tzinfo=None)


def end_of_day(day: date) -> datetime:
    return to_utc(day, END_OF_DAY)
