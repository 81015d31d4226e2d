"""A real RQ worker, started as its own process (`python worker.py`), fires a scheduled timer on time."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import CaseEvent
from tests.deadline_helpers import due_in

ROOT = Path(__file__).resolve().parents[1]


def test_worker_process_fires_a_timer_within_seconds(app, bx, database_url, redis_url, tmp_path):
    case = bx.open()
    due = due_in(app, case["id"], 4)  # the report deadline falls due in 4 s, its alarm set
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, BAOXUE_INSTANCE=str(tmp_path))
    worker = subprocess.Popen([sys.executable, "worker.py", "--no-cron"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        recorded = None
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and recorded is None:
            time.sleep(0.5)
            with app.app_context():
                recorded = db.session.execute(select(CaseEvent.at).where(
                    CaseEvent.case_id == case["id"], CaseEvent.action == "overdue")).scalar_one_or_none()
                db.session.remove()
        assert recorded is not None, "the worker did not fire the timer"
        late = (recorded - due).total_seconds()
        assert 0 <= late <= 5, late
    finally:
        worker.terminate()
        out = worker.communicate(timeout=20)[0].decode(errors="replace")
    # the worker says what it fired: one structured line for this case's report deadline, as late as recorded
    fired = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"timer fired"' in line]
    assert [(f["case"], f["clock"], f["action"], f["escalation_level"]) for f in fired] == \
        [(case["id"], "report", "due", 1)], out[-2000:]
    assert 0 <= fired[0]["late_s"] <= 5 and fired[0]["notified"] >= 1, fired


def test_worker_status_lists_queues_and_failed_jobs(app, runner, redis_conn):
    from rq import Queue
    from rq.registry import FailedJobRegistry
    out = runner.invoke(args=["worker", "status"])
    assert out.exit_code == 0, out.output
    assert "workers: 0" in out.output and "queue baoxue-timers: queued 0, scheduled 0" in out.output
    q = Queue("baoxue-timers", connection=redis_conn)
    job = q.enqueue("app.deadlines.timers.no_such_function")
    FailedJobRegistry(queue=q).add(job, ttl=600, exc_string="Traceback…\nAttributeError: no_such_function")
    out = runner.invoke(args=["worker", "status"])
    assert out.exit_code == 1 and "failed 1" in out.output and job.id in out.output
