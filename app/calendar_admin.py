"""Calendar overrides as operations: `baoxue calendar set` and the admin page use these; each change
writes its admin event (before/after) in the same transaction."""
import calendar as _cal
from datetime import date

from app import clock, history
from app.deadlines import calendar
from app.engine.errors import Invalid
from app.extensions import db
from app.models import CalendarDay

KINDS = ("workday", "holiday")


def _state(row: CalendarDay | None) -> dict | None:
    return {"kind": row.kind, "note": row.note} if row is not None else None


def set_day(day: date, kind: str, note: str = "", by: history.By = history.SYSTEM) -> CalendarDay:
    if kind not in KINDS:
        raise Invalid({"kind": "须为 workday 或 holiday / must be workday or holiday"})
    if len(note) > 100:
        raise Invalid({"note": "最多 100 字 / at most 100 characters"})
    row = db.session.get(CalendarDay, day)
    before = _state(row)
    row = row or CalendarDay(day=day)
    row.kind, row.note, row.updated_at = kind, note, clock.now()
    db.session.add(row)
    history.admin_event(by, "calendar_set", f"day {day.isoformat()}", before, _state(row))
    db.session.commit()
    calendar.invalidate()
    return row


def clear_day(day: date, by: history.By = history.SYSTEM) -> bool:
    row = db.session.get(CalendarDay, day)
    if row is None:
        return False
    history.admin_event(by, "calendar_cleared", f"day {day.isoformat()}", _state(row), None)
    db.session.delete(row)
    db.session.commit()
    calendar.invalidate()
    return True


def month(year: int, month_no: int) -> list[dict]:
    days = _cal.monthrange(year, month_no)[1]
    return [calendar.describe(date(year, month_no, d)) for d in range(1, days + 1)]
