"""The worker's daily partition job (RQ; the worker's cron enqueues it at PARTITIONS_CRON): the same
as `baoxue db partitions`. Idempotent, and one run at a time across machines (an advisory lock): a
second cron's run returns at once as busy."""
import logging

from app import clock
from app.deadlines.sweeper import exclusive
from app.deadlines.timers import run_job
from app.extensions import db
from app.partitions import maintain

log = logging.getLogger("baoxue.partitions")
QUEUE = "baoxue-default"
CRON = "17 3 * * *"  # daily, off the hour: a month is created three months before it is needed
LOCK_KEY = 0x6278_7061_7274  # "bxpart"


def run_now() -> dict:
    if db.engine.dialect.name != "postgresql":
        return {"partitioned": 0}
    if not maintain.may_create(db.engine):
        # The app's own role (app/audit/grants.py) may not create tables: the owner runs
        # `baoxue db partitions` instead; until then new months' rows wait in DEFAULT, nothing fails.
        log.warning("partitions: this role does not own the tables; run `baoxue db partitions` as their owner")
        return {"skipped": 1}
    with exclusive(LOCK_KEY) as mine:
        if not mine:
            return {"busy": 1}
        done = maintain.run(db.engine, maintain.pending(db.engine, clock.now().date()))
        return {"created": len(done), "moved": sum(n for _, n in done)}


def daily_job() -> dict:
    """RQ entry point."""
    return run_job(run_now, log, "partitions")
