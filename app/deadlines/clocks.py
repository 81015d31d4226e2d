"""Open, meet and cancel the deadline rows of a case as the engine moves it.

Called inside the engine's transaction; returns what changed so the step's audit event records it.
"""
from datetime import date, datetime

from app.deadlines import calendar
from app.models import Deadline


def due_date(start: date, point: dict) -> date:
    if "working_days" in point:
        return calendar.add_working_days(start, point["working_days"])
    return calendar.add_months(start, point["months"])


def open_clocks(defn, case, state: str, now: datetime, start: date | None = None) -> list[Deadline]:
    """Deadline rows for every clock that starts when `state` is entered (added to the case's session)."""
    start = start or calendar.local_date(now)
    rows = []
    for clock in defn.clocks_starting(state):
        for i, point in enumerate(clock.due):
            due_day = due_date(start, point)
            due_at = calendar.end_of_day(due_day)
            remind_day = calendar.add_working_days(due_day, -defn.reminder_working_days_before)
            remind_at = calendar.to_utc(remind_day, calendar.REMIND_AT) if clock.remind else None
            if remind_at is not None and remind_at <= now:
                remind_at = None
            rows.append(Deadline(case_id=case.id, clock=clock.name, point=i, status="open", opened_at=now,
                                 due_at=due_at, remind_at=remind_at, level=0,
                                 next_action_at=remind_at or due_at))
    return rows


def settle(defn, open_rows: list[Deadline], trigger: str, new_state: str, now: datetime) -> dict:
    """Meet the clocks `trigger` ends (one due point per clock), cancel those the new state leaves."""
    met, cancelled = [], []
    met_clocks = set()
    for row in sorted(open_rows, key=lambda r: (r.clock, r.point)):
        clock = defn.clock(row.clock)
        if trigger in clock.met_by and row.clock not in met_clocks:
            met_clocks.add(row.clock)
            _close(row, "met", trigger, now)
            met.append(row)
        elif new_state not in clock.while_in:
            _close(row, "cancelled", trigger, now)
            cancelled.append(row)
    return {"met": [_ref(r) for r in met], "cancelled": [_ref(r) for r in cancelled]}


def _close(row: Deadline, status: str, trigger: str, now: datetime) -> None:
    row.status, row.closed_at, row.closed_by, row.next_action_at = status, now, trigger, None


def _ref(row: Deadline) -> dict:
    return {"clock": row.clock, "point": row.point, "due_at": row.due_at.isoformat() + "Z",
            "overdue": row.level > 0}


def describe(rows: list[Deadline]) -> list[dict]:
    return [_ref(r) for r in rows]
