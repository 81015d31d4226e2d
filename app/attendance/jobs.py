"""The nightly early-warning job (RQ; the worker's cron enqueues it at WARNING_CRON): open cases for
new absence streaks and refresh the risk list. Idempotent, and one run at a time across machines (an
advisory lock on PostgreSQL): a second cron's run returns at once as busy."""
import logging
from datetime import date

from app.attendance import warning
from app.deadlines.sweeper import exclusive
from app.deadlines.timers import run_job

log = logging.getLogger("baoxue.attendance")
QUEUE = "baoxue-default"
LOCK_KEY = 0x6278_7761_726E  # "bxwarn"


def run_now(today: date | None = None) -> dict:
    """The job's work in the caller's app context (the CLI's `baoxue attendance warn`), as of `today`
    (default: today in the district)."""
    with exclusive(LOCK_KEY) as mine:
        if not mine:
            return {"busy": 1}
        return warning.run(today)


def nightly_job() -> dict:
    """RQ entry point."""
    return run_job(run_now, log, "early warning")
