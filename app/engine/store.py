"""How a step's writes reach the database: the guarded case UPDATE, its audit event and its deadline
changes, all in the caller's transaction.

On PostgreSQL they travel as ONE statement (data-modifying CTEs: every part runs only if the guarded
UPDATE matched), so a step costs a read, a write and a commit whatever it changes. Elsewhere (SQLite)
the same writes are separate statements, which cost nothing extra in-process. Both paths are run by
the whole test suite.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, bindparam, select, update

from app import audit
from app.deadlines import clocks
from app.extensions import db
from app.models import Case, Deadline

_CASES = Case.__table__
_DEADLINES = Deadline.__table__


@dataclass(slots=True)
class OpenDeadline:
    id: int
    clock: str
    point: int
    level: int
    due_at: datetime


@dataclass(slots=True)
class Snapshot:
    """The case as a step reads it: the columns the checks and guards need and its open deadlines.

    A plain value, not an ORM object: the step changes the row only through write_step()."""
    id: int
    workflow: str
    state: str
    version: int
    unit_path: str
    confirmed: bool
    reasons: list
    vars: dict
    closed_at: datetime | None
    detected_on: date
    last_seq: int
    last_hash: str
    open_deadlines: list = field(default_factory=list)


_SNAPSHOT_COLUMNS = [_CASES.c[name] for name in Snapshot.__slots__ if name != "open_deadlines"]
_LOAD = (select(*_SNAPSHOT_COLUMNS, _DEADLINES.c.id.label("d_id"), _DEADLINES.c.clock, _DEADLINES.c.point,
                _DEADLINES.c.level, _DEADLINES.c.due_at)
         .select_from(_CASES.outerjoin(_DEADLINES, and_(_DEADLINES.c.case_id == _CASES.c.id,
                                                       _DEADLINES.c.status == "open")))
         .where(_CASES.c.id == bindparam("case_id")))


def load(case_id: int) -> Snapshot | None:
    """One round trip: the case row joined with its open deadline rows."""
    rows = db.session.execute(_LOAD, {"case_id": case_id}).all()
    if not rows:
        return None
    first = rows[0]
    snap = Snapshot(*first[:len(_SNAPSHOT_COLUMNS)])
    snap.open_deadlines = [OpenDeadline(r.d_id, r.clock, r.point, r.level, r.due_at) for r in rows if r.d_id]
    return snap
_UPDATE_CASE = update(_CASES).where(_CASES.c.id == bindparam("case_id"), _CASES.c.version == bindparam("expected"))

# PostgreSQL: the same statements, sent in one pipeline (one network round trip for all of them).
_PG_CASE = """UPDATE cases SET state = %(state)s, version = %(version)s, vars = %(vars)s, updated_at = %(now)s,
    last_seq = %(seq)s, last_hash = %(hash)s, closed_at = COALESCE(%(closed_at)s, closed_at),
    reasons = COALESCE(%(reasons)s, reasons), confirmed = COALESCE(%(confirmed)s, confirmed)
    WHERE id = %(case_id)s AND version = %(expected)s"""
_PG_EVENT = """INSERT INTO case_events (case_id, seq, at, actor_id, actor, role, action, from_state, to_state, data,
    prev_hash, hash) VALUES (%(case_id)s, %(seq)s, %(at)s, %(actor_id)s, %(actor)s, %(role)s, %(action)s,
    %(from_state)s, %(to_state)s, %(data)s, %(prev_hash)s, %(hash)s)"""
_PG_CLOSE = """UPDATE deadlines SET status = CASE WHEN id = ANY(%(met)s) THEN 'met' ELSE 'cancelled' END,
    closed_at = %(now)s, closed_by = %(action)s, next_action_at = NULL
    WHERE id = ANY(%(closing)s) AND status = 'open'"""
_PG_OPEN = """INSERT INTO deadlines (case_id, clock, point, status, opened_at, due_at, remind_at, level,
    next_action_at) VALUES (%(case_id)s, %(clock)s, %(point)s, 'open', %(opened_at)s, %(due_at)s, %(remind_at)s,
    0, %(next_action_at)s)"""


def write_step(case_id: int, expected: int, values: dict, event: dict, met: list, cancelled: list,
               opened: list[dict], now) -> bool:
    """Write one step; False (and nothing written) when the case's version is no longer `expected`."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _postgresql(case_id, expected, values, event, met, cancelled, opened, now)
    changed = db.session.execute(_UPDATE_CASE, {"case_id": case_id, "expected": expected, "updated_at": now,
                                                "last_seq": event["seq"], "last_hash": event["hash"], **values})
    if changed.rowcount != 1:
        return False
    clocks.write(met, cancelled, opened, event["action"], now)
    audit.append(event)
    return True


def _postgresql(case_id, expected, values, event, met, cancelled, opened, now) -> bool:
    from psycopg.types.json import Json
    conn = db.session.connection().connection.driver_connection  # same transaction as the session
    params = {
        "case_id": case_id, "expected": expected, "state": values["state"], "version": values["version"],
        "vars": Json(values["vars"]), "now": now, "seq": event["seq"], "hash": event["hash"],
        "closed_at": values.get("closed_at"),
        "reasons": Json(values["reasons"]) if "reasons" in values else None, "confirmed": values.get("confirmed"),
    }
    try:
        with conn.pipeline(), conn.cursor() as cur:
            cur.execute(_PG_CASE, params)
            case_cursor = cur
            cur2 = conn.cursor()
            cur2.execute(_PG_EVENT, {**event, "data": Json(event["data"])})
            if met or cancelled:
                cur2.execute(_PG_CLOSE, {"met": [r.id for r in met], "closing": [r.id for r in met + cancelled],
                                         "now": now, "action": event["action"]})
            if opened:
                cur2.executemany(_PG_OPEN, opened)
        return case_cursor.rowcount == 1
    except psycopg_errors().UniqueViolation:
        return False  # another step took this event's sequence number: the version moved on


def psycopg_errors():
    import psycopg.errors
    return psycopg.errors
