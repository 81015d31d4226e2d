"""Calendar overrides as operations: `baoxue calendar set` and the admin page use these."""
import calendar as _cal
from datetime import date

from app import clock
from app.deadlines import calendar
from app.engine.errors import Invalid
from app.extensions import db
from app.models import CalendarDay

KINDS = ("workday", "holiday")


def set_day(day: date, kind: str, note: str = "") -> CalendarDay:
    if kind not in KINDS:
        raise Invalid({"kind": "须为 workday 或 holiday / must be workday or holiday"})
    if len(note) > 100:
        raise Invalid({"note": "最多 100 字 / at most 100 characters"})
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.kind, row.note, row.updated_at = kind, note, clock.now()
    db.session.add(row)
    db.session.commit()
    calendar.invalidate()
    return row


def clear_day(day: date) -> bool:
    row = db.session.get(CalendarDay, day)
    if row is None:
        return False
    db.session.delete(row)
    db.session.commit()
    calendar.invalidate()
    return True


def month(year: int, month_no: int) -> list[dict]:
    days = _cal.monthrange(year, month_no)[1]
    return [calendar.describe(date(year, month_no, d)) for d in range(1, days + 1)]
