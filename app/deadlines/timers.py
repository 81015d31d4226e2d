"""RQ timers: the alarm clock for deadline rows (the rows are the truth; the sweep covers lost timers).

Redis holds only the next few minutes of alarms. A deadline action due within HORIZON gets an RQ
timer — at once after the step that opens it, or from the per-minute tick, which also sweeps up any
action whose timer was lost. So a step that opens deadlines days ahead pays no Redis round trip, and
a flushed Redis is refilled from the database within a minute. Every timer has a deterministic job
id, so scheduling it twice makes one job; it names its deadline by (case, clock, point) and the
action and time it was set for, and act() decides whether that is still exactly what is due.
"""
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from itertools import count

from flask import current_app
from rq import Queue, Retry, Worker
from sqlalchemy import exists, select

from app import clock
from app.deadlines import incidents, mail
from app.deadlines.actions import CURRENT_SWEEP, next_actions, sweep
from app.deadlines.burst import drain
from app.deadlines.sweeper import fire
from app.extensions import connection, db
from app.models import Deadline, DeadlineFailure

log = logging.getLogger("baoxue.timers")
QUEUE = "baoxue-timers"
RETRY = Retry(max=5, interval=[5, 15, 60, 300, 900])  # a database outage: try again, effects stay once
HORIZON = timedelta(minutes=10)  # alarms are set this far ahead; the tick runs every minute
# A timer that rings also fires up to this many other actions already due (one indexed query): when
# many deadlines fall due together, the first alarm records them all instead of each waiting its turn
# behind the others' job overhead in the queue. Their own alarms then find nothing left to do.
DRAIN = 200
BURST_SECONDS = 240  # a burst job's (and the tick's) share of the work, within its job timeout
TICK_PASSES = 100  # x 10,000: the tick's sweep is bounded by BURST_SECONDS, not by a number of actions
_bursts = count(1)


def job_id(case_id: int, clock: str, point: int, action: str, at: datetime) -> str:
    return f"bx-{case_id}-{clock}-{point}-{action}-{at:%Y%m%dT%H%M%S%f}"


def schedule(app, items) -> int:
    """items: (case_id, clock, point, action, at) for each action to wake up for."""
    items = [i for i in items if i[3]]
    if not items:
        return 0
    conn = connection(app)
    queue = Queue(QUEUE, connection=conn)
    with conn.pipeline() as pipe:
        for case_id, clock_name, point, action, at in items:
            queue.enqueue_at(at.replace(tzinfo=UTC), run, case_id, clock_name, point, action, at.isoformat(),
                             job_id=job_id(case_id, clock_name, point, action, at), retry=RETRY,
                             pipeline=pipe)
        pipe.execute()
    return len(items)


def soon(items, now: datetime | None = None) -> list:
    """The items whose time falls within the horizon (the tick sets the others when they come near)."""
    limit = (now or clock.now()) + HORIZON
    return [i for i in items if i[3] and i[4] <= limit]


def after_step(case, opened, _previously_open) -> None:
    """The engine's after-commit hook: set alarms for what the step opened that falls due soon."""
    items = soon([(case.id, r["clock"], r["point"], r["next_action"], r["next_action_at"]) for r in opened])
    if items:
        schedule(current_app, items)


def plan(app, now: datetime | None = None, future_only: bool = False) -> int:
    """Set alarms for every open deadline action due within the horizon (idempotent by job id).

    Not for an action that is failing: the sweep retries it after its back-off (an alarm would retry
    it every minute). `future_only` when another sweep is at work: what is already due is its work."""
    now = now or clock.now()
    failing = exists(select(DeadlineFailure.id).where(DeadlineFailure.deadline_id == Deadline.id,
                                                      DeadlineFailure.resolved_at.is_(None)))
    rows = db.session.execute(
        select(Deadline.case_id, Deadline.clock, Deadline.point, Deadline.next_action, Deadline.next_action_at)
        .where(Deadline.status == "open", Deadline.next_action.is_not(None),
               Deadline.next_action_at <= now + HORIZON, ~failing,
               *([Deadline.next_action_at > now] if future_only else []))).all()
    return schedule(app, [tuple(r) for r in rows])


def tick(app, now: datetime | None = None) -> dict:
    """The per-minute job's work: fire what is due and lost, then set the alarms for the next minutes.

    A burst (the sweep's first batch is full) is shared: every other worker on the timers queue gets a
    burst job, which claims batches beside the sweep until nothing due is left (app/deadlines/burst.py).
    The tick's own sweep goes on until nothing due is left unclaimed, within BURST_SECONDS (the next
    tick goes on), however many actions that is: a cap on their number would leave the rest to alarms,
    one job each. Alarms are then set for future actions only when a burst was shared or another sweep
    is at work: what is already due is theirs."""
    shared = []
    result = sweep(now, limit=10000, passes=TICK_PASSES, seconds=BURST_SECONDS,
                   on_burst=lambda: shared.append(share(app, now)))
    result.pop("next")
    result["planned"] = plan(app, now, future_only=bool(result.get("busy")) or bool(shared))
    if mail.enabled():
        result["mail"] = mail.send_pending()
    return result


def run(case_id: int, clock_name: str, point: int, action: str, at_iso: str) -> str:
    """RQ entry point (ids in, idempotent): do the action if it is still exactly what is due."""
    app = _app()
    with app.app_context():
        _after_fork()
        at = datetime.fromisoformat(at_iso)
        row = db.session.execute(select(Deadline.id).where(
            Deadline.case_id == case_id, Deadline.clock == clock_name, Deadline.point == point,
            Deadline.status == "open")).scalar_one_or_none()
        if row is None:
            return "skipped"
        result = fire(row, action, at)  # a failure is an incident (retried by the sweep), not a failed job
        if result == "early":
            # RQ keeps scheduled times to the second: an alarm may ring a fraction early. Wait it out
            # rather than lose it to the next tick.
            wait = (at - clock.now()).total_seconds()
            if 0 < wait <= 2:
                time.sleep(wait + 0.01)
                result = fire(row, action, at)
        drained = sweep(limit=DRAIN, passes=1)
        fired = drained.pop("next")
        if result not in ("skipped", "early", "failed"):
            fired += next_actions([row])
        if fired:
            schedule(app, soon(fired))
            if mail.enabled():
                Queue("baoxue-default", connection=connection(app)).enqueue(send_mail_job, retry=RETRY)
        db.session.remove()
        return result


def share(app, now: datetime | None = None) -> int:
    """Enqueue one burst job per other live worker on the timers queue; how many."""
    conn = connection(app)
    queue = Queue(QUEUE, connection=conn)
    helpers = max(Worker.count(queue=queue) - 1, 0)
    at = (now or clock.now()).isoformat()
    for _ in range(helpers):
        queue.enqueue(burst_job, at, retry=RETRY, job_timeout=BURST_SECONDS + 60)
    log.info("burst shared", extra={"helpers": helpers})
    return helpers


def burst_job(now_iso: str | None = None) -> dict:
    """RQ entry point: claim batches of due actions beside the sweep until none is left unclaimed
    (or BURST_SECONDS have passed: the next tick goes on). Idempotent: a burst job that finds nothing
    due returns at once."""
    app = _app()
    with app.app_context():
        _after_fork()
        now = datetime.fromisoformat(now_iso) if now_iso else clock.now()
        CURRENT_SWEEP[0] = f"burst:{incidents.worker_name()}:{next(_bursts)}"
        started = clock.now()
        try:
            counts, fired = drain(now, seconds=BURST_SECONDS)
        finally:
            CURRENT_SWEEP[0] = None
        items = soon(next_actions(fired))
        if items:
            schedule(app, items)
        db.session.remove()
        log.info("burst done", extra={"started": started.isoformat(), "ended": clock.now().isoformat(),
                                      "counts": counts})
        return counts


def sweep_job() -> dict:
    """RQ entry point for the per-minute tick (sweep + alarms for the next minutes)."""
    app = _app()
    with app.app_context():
        _after_fork()
        result = tick(app)
        db.session.remove()
        log.info("sweep", extra={"result": result})
        return result


def send_mail_job() -> dict:
    """RQ entry point: send the email outbox now (the tick also does, every minute)."""
    app = _app()
    with app.app_context():
        _after_fork()
        return mail.send_pending()


_made = []
_pid = [os.getpid()]


def _after_fork() -> None:
    """In a forked work horse (BAOXUE_WORKER_FORK=1), never reuse the parent's pooled connections."""
    if os.getpid() != _pid[0]:
        db.engine.dispose(close=False)
        _pid[0] = os.getpid()


def _app():
    try:
        return current_app._get_current_object()
    except RuntimeError:  # outside the worker's context (a job run by hand): make one, once
        if not _made:
            from app import create_app  # late: the factory imports this module (it registers the hooks)
            _made.append(create_app())
        return _made[0]


def run_job(run, logger, what: str) -> dict:
    """An RQ entry point's body: `run()` inside the app's context, on this process's own connections,
    its result logged under `what` (the cron jobs of the worker share it)."""
    app = _app()
    with app.app_context():
        _after_fork()
        try:
            result = run()
        finally:
            db.session.remove()
        logger.info(what, extra={"result": result})
        return result
