"""Start an RQ worker with its scheduler on Baoxue's queues: `python worker.py` (or `baoxue worker`).

Beside it runs RQ's cron scheduler, which enqueues the deadline sweep every minute; a sweep that two
workers' crons both enqueue does its work once (every deadline action is a conditional update).
"""
import multiprocessing
import sys

SWEEP_INTERVAL = 60


def _cron(url: str) -> None:
    from redis import Redis
    from rq.cron import CronScheduler

    from app.deadlines import timers
    cron = CronScheduler(connection=Redis.from_url(url))
    cron.register(timers.sweep_job, queue_name=timers.QUEUE, interval=SWEEP_INTERVAL, job_timeout=300)
    cron.start()


def run(app, burst: bool = False, cron: bool = True) -> bool:
    from rq import Queue, Worker

    from app.logs import structured
    from app.redis_conn import connection, redis_url
    structured()  # every timer fired is one JSON line
    conn = connection(app)
    queues = [Queue(name, connection=conn) for name in app.config["RQ_QUEUES"]]
    sweeper = None
    if cron and not burst:
        sweeper = multiprocessing.get_context("fork").Process(target=_cron, args=(redis_url(app),), daemon=True)
        sweeper.start()
    try:
        with app.app_context():
            worker = Worker(queues, connection=conn)
            return worker.work(with_scheduler=True, burst=burst)
    finally:
        if sweeper is not None:
            sweeper.terminate()


if __name__ == "__main__":
    from app import create_app
    run(create_app(), burst="--burst" in sys.argv, cron="--no-cron" not in sys.argv)
