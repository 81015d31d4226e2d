"""The sweep: fire every due deadline action, one transaction each, one sweep at a time.

- One action that raises (a bad row, a clock no longer in the definition, a removed user) is rolled
  back, recorded as an incident (app/deadlines/incidents.py) and retried with back-off; the sweep goes
  on with the others. Only the database itself being gone stops the sweep (the job fails, RQ retries).
- Every worker's cron enqueues the tick, so on several machines several sweeps start together. On
  PostgreSQL a session-level advisory lock lets one of them work; the others return at once
  ("busy") and only set alarms. act()'s conditional UPDATE still guarantees exactly once if two
  ever overlapped (a timer and a sweep do, by design). SQLite is one machine's file: there the
  conditional UPDATE alone keeps every action single (SQLite serialises writers).
"""
import logging
import os
import socket
from contextlib import contextmanager
from datetime import datetime
from itertools import count

from sqlalchemy import select, text

from app import clock
from app.deadlines import actions, burst, incidents
from app.extensions import db
from app.models import Deadline

log = logging.getLogger("baoxue.timers")
LOCK_KEY = 0x62786477_65657021  # any constant bigint shared by every process of one database ("bxdweep!")
_seq = count(1)


@contextmanager
def exclusive(key: int | None = None):
    """True while this process holds the sweep lock (or the lock `key`: the nightly early warning's,
    app/attendance/jobs.py) on PostgreSQL; always True on SQLite.

    A session lock on a connection of its own: the actions commit one by one on the session's
    connection, so a transaction-scoped lock would end with the first of them. A process that dies
    loses its connection, and PostgreSQL frees the lock with it."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    conn = db.engine.connect()
    got = False
    try:
        key = LOCK_KEY if key is None else key
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        yield got
    finally:
        try:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        except Exception:  # noqa: BLE001 — never hand a pooled connection back still holding the lock
            conn.invalidate()
        conn.close()


def due_now(now: datetime | None = None, limit: int = 10000) -> list[tuple[int, str, datetime]]:
    """Open deadlines whose next action is due: one indexed query (status, next_action_at), passing
    by those backing off after a failure."""
    now = now or clock.now()
    return [tuple(r) for r in db.session.execute(
        select(Deadline.id, Deadline.next_action, Deadline.next_action_at)
        .where(Deadline.status == "open", Deadline.next_action_at <= now, Deadline.next_action.is_not(None),
               ~incidents.backing_off(now))
        .order_by(Deadline.next_action_at).limit(limit)).all()]


def fire(deadline_id: int, action: str, at: datetime, now: datetime | None = None,
         failing: dict[int, int] | None = None) -> str:
    """act() in its own transaction; a failure becomes an incident instead of stopping the caller."""
    now, failing = now or clock.now(), failing if failing is not None else {}
    try:
        result = actions.act(deadline_id, action, at, now)
    except Exception as error:  # noqa: BLE001 — one bad row must not stop the others
        db.session.rollback()
        log.exception("deadline action raised", extra={"deadline": deadline_id, "action": action})
        incidents.record(deadline_id, action, at, error, now)  # raises if the database is gone
        return "failed"
    if deadline_id in failing and result not in ("skipped", "early"):
        incidents.resolve([failing.pop(deadline_id)], "fired", now)
    return result


def sweep(now: datetime | None = None, limit: int = 10000, passes: int = 5, batched: bool | None = None,
          on_burst=None, seconds: float | None = None) -> dict:
    """Fire every due action whose timer was lost (or has not run yet); idempotent with the timers.

    A deadline left alone past several of its times (Redis or every worker down for days) catches up
    level by level, one pass each, within the one sweep. {"busy": 1} when another sweep holds the lock.

    On PostgreSQL (`batched`) the actions are done in batches (app/deadlines/burst.py), at most
    limit * passes of them and for at most `seconds`; on_burst() is called when the first batch is
    full, so other workers can be asked to share the rest. SQLite does them one by one (one process, SQLite serialises writers)."""
    now = now or clock.now()
    sweep_id = f"{socket.gethostname()}:{os.getpid()}:{next(_seq)}"
    started = clock.now()
    with exclusive() as mine:
        if not mine:
            _log(sweep_id, started, busy=True)
            return {"busy": 1, "next": []}
        actions.CURRENT_SWEEP[0] = sweep_id
        try:
            failing = incidents.open_ids()
            db.session.rollback()
            if batched is None:
                batched = db.engine.dialect.name == "postgresql"
            if batched:
                counts, fired = burst.drain(now, budget=limit * passes, seconds=seconds, failing=failing,
                                            on_full=on_burst)
                attempted = sum(counts.values())
            else:
                counts, fired, attempted = _passes(now, limit, passes, failing)
            if failing:
                incidents.resolve_moved_on(now)
        finally:
            actions.CURRENT_SWEEP[0] = None
    counts["next"] = actions.next_actions(fired)
    db.session.rollback()
    _log(sweep_id, started, attempted=attempted, counts={k: v for k, v in counts.items() if k != "next"})
    return counts


def _passes(now: datetime, limit: int, passes: int, failing: dict[int, int]) -> tuple[dict, set[int], int]:
    """The one-by-one sweep: up to `passes` rounds of the due actions, each act() in its own transaction."""
    counts: dict[str, int] = {}
    fired: set[int] = set()
    attempted = 0
    tried: set[tuple] = set()
    for _ in range(passes):
        # an action that failed in this sweep is not tried again until its back-off has passed
        due = [d for d in due_now(now, limit) if d not in tried]
        if not due:
            break
        for deadline_id, action, at in due:
            tried.add((deadline_id, action, at))
            attempted += 1
            result = fire(deadline_id, action, at, now, failing)
            counts[result] = counts.get(result, 0) + 1
            if result not in ("skipped", "early", "failed"):
                fired.add(deadline_id)
    return counts, fired, attempted


def _log(sweep_id: str, started: datetime, **fields) -> None:
    # One line per sweep: which process swept, from when to when, and what it did (or that it found
    # another sweep at work), so overlapping sweeps on several machines can be told apart in the logs.
    log.info("sweep done", extra={"sweep": sweep_id, "started": started.isoformat(),
                                  "ended": clock.now().isoformat(), **fields})
