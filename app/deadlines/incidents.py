"""Deadline actions that failed: recorded, retried with back-off, listed, retried by hand.

A due action that raises is one bad row, not a broken service: the sweep records it here in a
transaction of its own and goes on with the others. The row is left alone until its next retry
time (BACKOFF after each failed attempt), and stays an open incident — listed by `baoxue worker
status` (which then exits non-zero) and on the admin page — until the action succeeds or the
deadline moves on (met, cancelled, re-timed).
"""
import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.exc import IntegrityError

from app import clock

from app.audit import history
from app.errors import NotFound
from app.extensions import db
from app.models import Deadline, DeadlineFailure

log = logging.getLogger("baoxue.timers")
# Minutes to wait after the 1st, 2nd, ... failed attempt (then the last, for good). The first retry
# falls on the next per-minute tick; a failure that persists is tried once an hour, not 1,440 times a day.
BACKOFF = (1, 2, 5, 15, 60)
ERROR_MAX = 2000
F = DeadlineFailure


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF[min(attempts, len(BACKOFF)) - 1])


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".replace("\x00", "").strip()  # PostgreSQL text holds no NUL
    return text if len(text) <= ERROR_MAX else text[:ERROR_MAX - 1] + "…"


def record(deadline_id: int, action: str, at: datetime, error: BaseException, now: datetime | None = None) -> None:
    """Count one failed attempt of (deadline, action, at), in a transaction of its own.

    Raises if the database itself is unreachable: that is an outage (RQ retries the job), not a bad row."""
    now = now or clock.now()
    db.session.rollback()
    for _ in range(2):  # a timer and the sweep may record the same failure at once: insert, else update
        row = db.session.execute(select(F).where(F.deadline_id == deadline_id, F.action == action,
                                                 F.action_at == at)).scalar_one_or_none()
        if row is None:
            case_id = db.session.execute(select(Deadline.case_id).where(Deadline.id == deadline_id)).scalar_one()
            row = F(deadline_id=deadline_id, case_id=case_id, action=action, action_at=at, attempts=0,
                    first_failed_at=now)
            db.session.add(row)
        row.attempts += 1
        row.error, row.last_failed_at, row.worker = describe(error), now, worker_name()
        row.next_retry_at = now + backoff(row.attempts)
        row.resolved_at = row.resolution = None
        try:
            db.session.commit()
            break
        except IntegrityError:
            db.session.rollback()
    log.warning("deadline action failed", extra={"deadline": deadline_id, "action": action, "due": at.isoformat(),
                                                 "attempts": row.attempts, "error": row.error,
                                                 "next_retry_at": row.next_retry_at.isoformat()})


def backing_off(now: datetime):
    """SQL: the deadline has an open failure whose next retry is still ahead (the sweep passes it by)."""
    return exists(select(F.id).where(F.deadline_id == Deadline.id, F.resolved_at.is_(None), F.next_retry_at > now))


def open_ids() -> dict[int, int]:
    """{deadline id: failure id} of every unresolved failure (a handful, normally none)."""
    return dict(db.session.execute(select(F.deadline_id, F.id).where(F.resolved_at.is_(None))).all())


def resolve(failure_ids, how: str, now: datetime | None = None) -> int:
    if not failure_ids:
        return 0
    n = db.session.execute(update(F).where(F.id.in_(list(failure_ids)), F.resolved_at.is_(None))
                           .values(resolved_at=now or clock.now(), resolution=how)).rowcount
    db.session.commit()
    return n


def resolve_moved_on(now: datetime | None = None) -> int:
    """Close the incidents whose action is no longer what its deadline waits for (met, cancelled,
    re-timed, or done by a timer): one statement, run at the end of each sweep."""
    still_due = exists(select(Deadline.id).where(and_(
        Deadline.id == F.deadline_id, Deadline.status == "open", Deadline.next_action == F.action,
        Deadline.next_action_at == F.action_at)))
    n = db.session.execute(update(F).where(F.resolved_at.is_(None), ~still_due)
                           .values(resolved_at=now or clock.now(), resolution="moved_on")
                           .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return n


def unresolved() -> list[DeadlineFailure]:
    return db.session.execute(select(F).where(F.resolved_at.is_(None))
                              .order_by(F.first_failed_at, F.id)).scalars().all()


def recent(limit: int = 50) -> list[DeadlineFailure]:
    """Open incidents first, then the latest resolved ones (the admin page)."""
    return db.session.execute(select(F).order_by(F.resolved_at.is_not(None), F.last_failed_at.desc(), F.id.desc())
                              .limit(limit)).scalars().all()


def late(grace: timedelta, now: datetime | None = None) -> list[tuple]:
    """(deadline id, case id, action, due at) of open actions due longer ago than `grace` and not
    failing: nothing has fired them (no worker, no sweep)."""
    now = now or clock.now()
    return [tuple(r) for r in db.session.execute(
        select(Deadline.id, Deadline.case_id, Deadline.next_action, Deadline.next_action_at)
        .where(Deadline.status == "open", Deadline.next_action.is_not(None), Deadline.next_action_at < now - grace,
               ~exists(select(F.id).where(F.deadline_id == Deadline.id, F.resolved_at.is_(None))))
        .order_by(Deadline.next_action_at).limit(20)).all()]


def retry_now(failure_id: int, by: history.By) -> str:
    """An admin's "retry": the failed action runs now (not at its back-off time). Who asked is an admin
    event, committed before the attempt, so it stays whatever the attempt does."""
    from app.deadlines import sweeper  # late: the sweeper imports this module (it records incidents)
    row = db.session.get(F, failure_id)
    if row is None:
        raise NotFound("没有这个失败记录 / no such failed action")
    deadline_id, action, at = row.deadline_id, row.action, row.action_at
    history.admin_event(by, "deadline_retried", f"deadline {deadline_id} {action} (case {row.case_id})",
                        {"attempts": row.attempts, "error": row.error, "resolved": row.resolved_at is not None},
                        None)
    row.next_retry_at = clock.now()
    db.session.commit()
    result = sweeper.fire(deadline_id, action, at, clock.now(), {deadline_id: failure_id})
    if result == "skipped":  # the deadline moved on meanwhile: nothing left to retry
        resolve([failure_id], "moved_on")
    return result
