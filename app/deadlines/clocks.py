"""Open, meet and cancel the deadline rows of a case as the engine moves it.

Called inside the engine's transaction with plain rows and set-based statements (a step is a few
round trips, not an ORM flush); returns what changed so the step's audit event records it.
"""
from datetime import date, datetime

from sqlalchemy import insert, update

from app.deadlines import calendar, unit_settings
from app.extensions import db
from app.models import Deadline

T = Deadline.__table__
_CLOSE = update(T).where(T.c.id.in_(db.bindparam("ids", expanding=True)), T.c.status == "open").values(
    status=db.bindparam("status"), closed_at=db.bindparam("now"), closed_by=db.bindparam("trigger"),
    next_action=None, next_action_at=None)


def due_date(start: date, point: dict, unit_path: str | None = None) -> date:
    """A due point's day counted from its clock's start (definition.DUE_KINDS). A point naming a
    `setting` takes its number from the unit setting of that name nearest above the case's unit (a
    county's report due day), when the bureau set one, else its own."""
    if point.get("setting") and unit_path:
        value = unit_settings.value(point["setting"], unit_path)
        if value is not None:
            kind = next(k for k in point if k in ("working_days", "months", "day_of_month"))
            point = {**point, kind: value}
    if "working_days" in point:
        return calendar.add_working_days(start, point["working_days"])
    if "day_of_month" in point:
        return calendar.day_of_month(start, point["day_of_month"])
    return calendar.add_months(start, point["months"])


def new_rows(defn, case_id: int, state: str, now: datetime, start: date | None = None,
             case_dates: dict | None = None, only: set | None = None, unit_path: str | None = None) -> list[dict]:
    """Deadline rows for every clock that starts when `state` is entered (or only the clocks named in
    `only`); each counts from `start` (the day entered) or, for a clock that `counts_from` a case date,
    from that date in `case_dates`."""
    start = start or calendar.local_date(now)
    rows = []
    for clock in defn.clocks_starting(state):
        if only is not None and clock.name not in only:
            continue
        begin = count_start(clock, case_dates, start)
        for i, point in enumerate(clock.due):
            due_day = due_date(begin, point, unit_path)
            due_at = calendar.end_of_day(due_day)
            remind_day = calendar.add_working_days(due_day, -clock.remind_before)
            remind_at = calendar.to_utc(remind_day, calendar.REMIND_AT) if clock.remind else None
            if remind_at is not None and remind_at <= now:
                remind_at = None
            rows.append({"case_id": case_id, "clock": clock.name, "point": i, "status": "open", "opened_at": now,
                         "due_at": due_at, "remind_at": remind_at, "level": 0,
                         "next_action": "remind" if remind_at else "due", "next_action_at": remind_at or due_at,
                         "closed_at": None, "closed_by": None})
    return rows


def count_start(clock, case_dates: dict | None, entered: date) -> date:
    """The day a clock's count starts: its `counts_from` case date when the case has it, else `entered`."""
    given = (case_dates or {}).get(clock.counts_from) if clock.counts_from else None
    return date.fromisoformat(given) if isinstance(given, str) else given or entered


def settle(defn, rows: list, trigger: str, new_state: str, points: dict | None = None) -> tuple[list, list]:
    """Which open rows `trigger` meets (per clock: the point named in `points` — a checkpoint the step
    logs — else the earliest due point) and which the new state cancels."""
    met, cancelled, met_clocks = [], [], set()
    points = points or {}
    for row in sorted(rows, key=lambda r: (r.clock, r.point)):
        clock = defn.clock(row.clock)
        if trigger in clock.met_by and row.clock not in met_clocks and points.get(row.clock, row.point) == row.point:
            met_clocks.add(row.clock)
            met.append(row)
        elif new_state not in clock.while_in:
            cancelled.append(row)
    return met, cancelled


def summary(met: list, cancelled: list, opened: list[dict]) -> dict:
    """A step's deadline changes as its audit event records them."""
    return {"met": describe(met), "cancelled": describe(cancelled), "opened": describe(opened)}


def write(met: list, cancelled: list, opened: list[dict], trigger: str, now: datetime) -> None:
    """Apply a step's deadline changes: at most three set-based statements."""
    for status, rows in (("met", met), ("cancelled", cancelled)):
        if rows:
            db.session.execute(_CLOSE, {"ids": [r.id for r in rows], "status": status, "now": now,
                                        "trigger": trigger})
    if opened:
        db.session.execute(insert(T), opened)


def describe(rows) -> list[dict]:
    out = []
    for r in rows:
        get = r.get if isinstance(r, dict) else lambda name, r=r: getattr(r, name)
        out.append({"clock": get("clock"), "point": get("point"), "due_at": get("due_at").isoformat() + "Z",
                    "overdue": (get("level") or 0) > 0})
    return out
