"""Calendar overrides as operations: `baoxue calendar set` and the admin page use these; each change
writes its admin event (before/after) and re-times the open deadlines it crosses (deadlines/repair.py,
one audit event per affected case) in the same transaction, then sets the alarms for the new times."""
import calendar as _cal
import logging
from datetime import date, timedelta

from flask import current_app
from rq import Queue

from app import clock

from app.audit import history
from app.deadlines import calendar, repair, timers
from app.errors import Invalid
from app.extensions import connection, db
from app.models import CalendarDay

KINDS = ("workday", "holiday")
RECHECK_AFTER = calendar.OVERRIDE_TTL + 5  # seconds: by then every process has read the change
RECHECK_QUEUE = "baoxue-default"
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
    """Count the open deadlines again with the changed calendar, in the change's transaction; then once
    more after every process has read the change (_recheck_later)."""
    why = repair.describe_change(day, change, before, after, by.name)
    done = _retime_and_commit(day, why)
    _recheck_later(day, why)
    return done


def _retime_and_commit(day: date, why: dict) -> repair.Repair:
    now = clock.now()
    try:
        db.session.flush()
        calendar.invalidate()  # read the overrides again, this transaction's change included
        done = repair.retime(day, why, now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        calendar.invalidate()  # whatever was read inside the transaction, committed or not
    if done.moved:
        _plan_alarms(now)
    return done


def recheck_job_id(day: date) -> str:
    return f"bx-calendar-recheck-{day.isoformat()}"


def _recheck_later(day: date, why: dict) -> None:
    # Every other process (web or worker, on this machine or another) may go on counting with the
    # overrides it read before this change for up to calendar.OVERRIDE_TTL: a deadline it opens in that
    # window is counted the old way. Counting the day again once the window has passed catches those;
    # a row already right does not move, so the second count is free when nothing was opened. One job
    # per day (its id): a second change of the day within the window moves the same job.
    try:
        Queue(RECHECK_QUEUE, connection=connection(current_app)).enqueue_in(
            timedelta(seconds=RECHECK_AFTER), recheck_job, day.isoformat(), why,
            job_id=recheck_job_id(day), retry=timers.RETRY)
    except Exception as e:  # noqa: BLE001 — the change and its first count stand; say what is missing
        log.warning("calendar override: the re-count after %ss was not queued (%s): run `baoxue calendar set` "
                    "again for %s once Redis is back if deadlines were opened meanwhile", RECHECK_AFTER,
                    type(e).__name__, day)


def recheck(day: date, why: dict) -> repair.Repair:
    """The second count of a change (its `why` again on any case it moves)."""
    return _retime_and_commit(day, why)


def recheck_job(day_iso: str, why: dict) -> dict:
    """RQ entry point (queued by a change, RECHECK_AFTER seconds later)."""
    def run() -> dict:
        done = recheck(date.fromisoformat(day_iso), why)
        return {"day": day_iso, "moved": done.moved, "cases": len(done.cases)}
    return timers.run_job(run, log, "calendar recheck")


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
