"""School days: the working days of the Chinese calendar (app/deadlines/calendar.py: holidays, 调休
make-up days, the admin's overrides). The indicators count in school days, so a weekend or the National
Day week never breaks a streak of absences nor dilutes an absence rate."""
from datetime import date, timedelta

from app.deadlines import calendar


def is_school_day(day: date) -> bool:
    return calendar.is_workday(day)


def last_school_days(up_to: date, n: int) -> list[date]:
    """The last `n` school days on or before `up_to`, oldest first."""
    days, day = [], up_to
    while len(days) < n:
        if calendar.is_workday(day):
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def latest_school_day(up_to: date) -> date:
    return last_school_days(up_to, 1)[0]
