"""Faults: concurrent firings, a worker killed mid-job, the database gone while a job runs.
Each ends with every due action recorded exactly once."""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app import clock, create_app
from app.deadlines import actions, timers
from app.extensions import db
from app.models import CaseEvent, Deadline, Notification
from tests.deadline_helpers import at_reminder_time

ROOT = Path(__file__).resolve().parents[1]


def overdue_events(app, case_id=None):
    with app.app_context():
        q = select(func.count(CaseEvent.id)).where(CaseEvent.action == "overdue")
        if case_id:
            q = q.where(CaseEvent.case_id == case_id)
        n = db.session.scalar(q)
        db.session.remove()
        return n


def due_in(app, case_id, seconds) -> object:
    """Make the case's report deadline fall due `seconds` from now; return that time."""
    due = clock.now().replace(microsecond=0) + timedelta(seconds=seconds)
    with app.app_context():
        db.session.execute(update(Deadline).where(Deadline.case_id == case_id)
                           .values(next_action="due", next_action_at=due, due_at=due))
        db.session.commit()
    return due


def test_concurrent_firings_of_one_action_record_it_once(app, bx):
    cases = [bx.open() for _ in range(3)]
    at_reminder_time(app)  # every report deadline's reminder is due
    with app.app_context():
        due = actions.due_now()
    barrier = threading.Barrier(4)
    results = []

    def fire_all():
        with app.app_context():
            barrier.wait()
            for deadline_id, action, at in due:
                results.append(actions.act(deadline_id, action, at))
            db.session.remove()

    threads = [threading.Thread(target=fire_all) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count("reminder") == 3 and results.count("skipped") == 9, results
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "reminder")) == 3
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
    for case in cases:
        events = [e["action"] for e in bx.events(case["id"])]
        assert events.count("reminder") == 1


def start_worker(database_url, redis_url, tmp_path, **extra_env):
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, BAOXUE_INSTANCE=str(tmp_path),
               **extra_env)
    return subprocess.Popen([sys.executable, "worker.py", "--no-cron"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_9(proc) -> None:
    """kill -9 the worker and its work horse (RQ puts the horse in a process group of its own)."""
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    for pid in [proc.pid, *map(int, children)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(20)


def wait_for(predicate, seconds=40):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_two_workers_never_double_an_escalation(app, bx, database_url, redis_url, tmp_path):
    cases = [bx.open() for _ in range(6)]
    with app.app_context():
        items = [(c["id"], "report", 0, "due", due_in(app, c["id"], 3)) for c in cases]
        timers.schedule(app, items)
    workers = [start_worker(database_url, redis_url, tmp_path) for _ in range(2)]
    try:
        assert wait_for(lambda: overdue_events(app) == len(cases))
        with app.app_context():  # and the sweep, running alongside, finds nothing left to do
            assert actions.sweep().get("overdue", 0) == 0
        time.sleep(2)
        assert overdue_events(app) == len(cases)
    finally:
        for w in workers:
            w.terminate()
            w.wait(20)


def test_worker_killed_mid_escalation_then_restarted_records_it_once(app, bx, database_url, redis_url, tmp_path):
    case = bx.open()
    with app.app_context():
        due = due_in(app, case["id"], 2)
        timers.schedule(app, [(case["id"], "report", 0, "due", due)])
    marker = tmp_path / "in-job"
    # fault injection: the job stops for a long while after its conditional UPDATE, before COMMIT
    worker = start_worker(database_url, redis_url, tmp_path, BAOXUE_FAULT_PAUSE_IN_ACT="60",
                          BAOXUE_FAULT_MARKER=str(marker))
    try:
        assert wait_for(marker.exists), "the job did not start"
    finally:
        kill_9(worker)
    assert overdue_events(app, case["id"]) == 0  # the killed transaction left nothing behind
    restarted = start_worker(database_url, redis_url, tmp_path)
    try:
        with app.app_context():
            # the timer died with the job; the per-minute tick (run here by hand) re-fires what is due
            timers.tick(app)
        assert wait_for(lambda: overdue_events(app, case["id"]) == 1)
        time.sleep(2)
        assert overdue_events(app, case["id"]) == 1
    finally:
        restarted.terminate()
        restarted.wait(20)
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def test_database_gone_while_a_job_runs_fails_then_succeeds_once(app, bx, redis_conn, tmp_path):
    case = bx.open()
    at_reminder_time(app)
    with app.app_context():
        deadline_id, action, at = actions.due_now()[0]
    broken = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/nowhere",
                         "REDIS_URL": app.config["REDIS_URL"]})
    broken.instance_path = str(tmp_path)
    with broken.app_context():
        with pytest.raises(Exception) as failure:  # noqa: B017 — whatever the driver raises, the job fails
            timers.run(case["id"], "report", 0, action, at.isoformat())
    assert "connect" in str(failure.value).lower()
    with app.app_context():  # the retry, once the database is back
        assert timers.run(case["id"], "report", 0, action, at.isoformat()) == "reminder"
        assert timers.run(case["id"], "report", 0, action, at.isoformat()) == "skipped"
    assert [e["action"] for e in bx.events(case["id"])].count("reminder") == 1
    assert timers.RETRY.max >= 3  # RQ retries a failed timer job, with back-off


def test_rq_retries_a_timer_job_that_failed_on_a_dead_database(app, bx, redis_conn, tmp_path):
    from rq import Queue, Retry, SimpleWorker
    case = bx.open()
    at_reminder_time(app)
    with app.app_context():
        _, action, at = actions.due_now()[0]
    queue = Queue(timers.QUEUE, connection=redis_conn)
    job = queue.enqueue(timers.run, case["id"], "report", 0, action, at.isoformat(), retry=Retry(max=3, interval=[1]))
    broken = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/nowhere",
                         "REDIS_URL": app.config["REDIS_URL"]})
    broken.instance_path = str(tmp_path)
    with broken.app_context():  # the database is unreachable while the job runs
        SimpleWorker([queue], connection=redis_conn).work(burst=True)
    job.refresh()
    assert job.get_status() == "scheduled" and job.retries_left == 2  # failed, and RQ will try again
    assert [e["action"] for e in bx.events(case["id"])] == ["open"]
    time.sleep(1.2)
    with app.app_context():  # the database is back: the retry runs and succeeds
        SimpleWorker([queue], connection=redis_conn).work(burst=True, with_scheduler=True)
    job.refresh()
    assert job.get_status() == "finished" and job.return_value() == "reminder"
    assert [e["action"] for e in bx.events(case["id"])].count("reminder") == 1


def test_worker_cron_sweeps_without_any_timer(app, bx, database_url, redis_url, tmp_path, redis_conn):
    case = bx.open()
    with app.app_context():
        due_in(app, case["id"], -60)  # fell due a minute ago, and Redis holds no alarm for it
    redis_conn.flushdb()
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, BAOXUE_INSTANCE=str(tmp_path))
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:  # the cron process enqueues the tick at start and every minute after
        assert wait_for(lambda: overdue_events(app, case["id"]) == 1, seconds=60)
    finally:
        kill_9(worker)  # the worker and its cron process
