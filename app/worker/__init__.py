"""The RQ worker with its scheduler on Baoxue's queues: `baoxue worker` (or `python worker.py`).

Beside it runs RQ's cron scheduler, which enqueues the deadline tick (sweep + alarms) and the dashboard's rollup refresh every minute; a
tick that two workers' crons both enqueue does its work once (every deadline action is a conditional
update). Jobs run in the worker process itself (RQ's SimpleWorker): a timer job is a few milliseconds
of database work, and forking a work horse and reconnecting for each would cost more than the job;
a worker that dies mid-job loses nothing (the transaction rolls back, the tick re-fires what is due).
BAOXUE_WORKER_FORK=1 selects RQ's forking Worker instead.
"""
import multiprocessing
import os
import sys

from rq import Queue
from rq.cron import CronScheduler

from app import create_app
from app.engine import warm
from app.attendance import jobs as attendance_jobs
from app.deadlines import timers
from app.extensions import connection
from app.logs import structured
from app.partitions import jobs as partition_jobs
from app.reports import rollup
from app.worker.classes import BaoxueSimpleWorker, BaoxueWorker

SWEEP_INTERVAL = 60


def _cron(app, warning_cron: str) -> None:
    cron = CronScheduler(connection=connection(app))  # a forked child: redis-py gives it its own pool
    cron.register(timers.sweep_job, queue_name=timers.QUEUE, interval=SWEEP_INTERVAL, job_timeout=300)
    # the nightly early warning (absence streaks -> cases, the risk list): idempotent, one at a time
    cron.register(attendance_jobs.nightly_job, queue_name=attendance_jobs.QUEUE, cron=warning_cron,
                  job_timeout=3600)
    # the dashboard's counts per unit, recounted every 40 s (app/reports/rollup.py)
    cron.register(rollup.refresh_job, queue_name=rollup.QUEUE, interval=rollup.INTERVAL, job_timeout=600)
    # the monthly partitions ahead (PostgreSQL; a no-op on SQLite): idempotent, one at a time
    cron.register(partition_jobs.daily_job, queue_name=partition_jobs.QUEUE, cron=partition_jobs.CRON,
                  job_timeout=3600)
    cron.start()


def run(app, burst: bool = False, cron: bool = True) -> bool:
    structured()  # every timer fired is one JSON line
    conn = connection(app)
    queues = [Queue(name, connection=conn) for name in app.config["RQ_QUEUES"]]
    sweeper = None
    if cron and not burst:
        sweeper = multiprocessing.get_context("fork").Process(target=_cron, args=(app, app.config["WARNING_CRON"]),
                                                                daemon=True)
        sweeper.start()
    try:
        with app.app_context():
            worker_class = BaoxueWorker if os.environ.get("BAOXUE_WORKER_FORK") == "1" else BaoxueSimpleWorker
            worker = worker_class(queues, connection=conn)
            return worker.work(with_scheduler=True, burst=burst)
    finally:
        if sweeper is not None:
            sweeper.terminate()


def main() -> None:
    """`python worker.py [--burst] [--no-cron]`."""
    app = create_app()
    warm.connect(app)  # the pool's first connection and the calendar, before the first job
    run(app, burst="--burst" in sys.argv, cron="--no-cron" not in sys.argv)
