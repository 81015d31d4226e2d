"""Calendar overrides as operations: `baoxue calendar set` and the admin page use these; each change
writes its admin event (before/after) and re-times the open deadlines it crosses (deadlines/repair.py,
one audit event per affected case) in the same transaction, then sets the alarms for the new times."""
import calendar as _cal
import logging
from datetime import date

from flask import current_app

from app import clock

from app.audit import history
from app.deadlines import calendar, repair, timers
from app.errors import Invalid
from app.extensions import db
from app.models import CalendarDay

KINDS = ("workday", "holiday")
log = logging.getLogger(__name__)


def _state(row: CalendarDay | None) -> dict | None:
    return {"kind": row.kind, "note": row.note} if row is not None else None


def set_day(day: date, kind: str, note: str = "", by: history.By = history.SYSTEM) -> repair.Repair:
    """Set the override; returns what it re-timed."""
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
    return _repair_and_commit(day, "set", before, _state(row), by)


def clear_day(day: date, by: history.By = history.SYSTEM) -> repair.Repair | None:
    """Remove the override (None: there was none); returns what it re-timed."""
    row = db.session.get(CalendarDay, day)
    if row is None:
        return None
    before = _state(row)
    history.admin_event(by, "calendar_cleared", f"day {day.isoformat()}", before, None)
    db.session.delete(row)
    return _repair_and_commit(day, "cleared", before, None, by)


def _repair_and_commit(day: date, change: str, before, after, by: history.By) -> repair.Repair:
    """Count the open deadlines again with the changed calendar, in the change's transaction."""
    now = clock.now()
    try:
        db.session.flush()
        calendar.invalidate()  # read the overrides again, this transaction's change included
        done = repair.retime(day, repair.describe_change(day, change, before, after, by.name), now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        calendar.invalidate()  # whatever was read inside the transaction, committed or not
    if done.moved:
        _plan_alarms(now)
    return done


def _plan_alarms(now) -> None:
    # The rows are re-timed and committed; an alarm for a time that moved within the next minutes is
    # set now, or else by the worker's per-minute tick (so Redis being down loses nothing).
    try:
        timers.plan(current_app._get_current_object(), now)
    except Exception as e:  # noqa: BLE001
        log.warning("calendar override: alarms not set (%s); the worker's tick will set them", type(e).__name__)


def month(year: int, month_no: int) -> list[dict]:
    days = _cal.monthrange(year, month_no)[1]
    return [calendar.describe(date(year, month_no, d)) for d in range(1, days + 1)]
