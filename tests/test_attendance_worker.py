"""The nightly early-warning job runs in a real RQ worker process: enqueued as the worker's cron
enqueues it, it opens the case for a streak; enqueued again, it changes nothing."""
import os
import subprocess
import sys
from pathlib import Path

from rq import Queue
from sqlalchemy import func, select

from app import clock
from app.attendance import jobs
from app.attendance.schooldays import last_school_days
from app.deadlines.calendar import local_date
from app.extensions import db
from app.models import AbsenceStreak, Case, Notification

ROOT = Path(__file__).resolve().parents[1]


def _burst(database_url, redis_url, tmp_path):
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, BAOXUE_INSTANCE=str(tmp_path))
    out = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]


def _counts(app):
    with app.app_context():
        counts = tuple(db.session.scalar(select(func.count(m.id))) for m in (Case, AbsenceStreak, Notification))
        db.session.remove()
        return counts


def test_the_nightly_job_in_a_worker_opens_once(app, bx, database_url, redis_url, redis_conn, tmp_path):
    with app.app_context():
        days = last_school_days(local_date(clock.now()), 3)
    pupil = bx.pupil()
    r = bx.post("/attendance", {"absences": [{"student_id": pupil, "day": d.isoformat()} for d in days]},
                as_="teacher")
    assert r.status_code == 200, r.get_json()
    queue = Queue(jobs.QUEUE, connection=redis_conn)
    queue.enqueue(jobs.nightly_job)
    _burst(database_url, redis_url, tmp_path)
    first = _counts(app)
    assert first[:2] == (1, 1) and first[2] >= 1   # the case, its streak, the teacher's notice
    with app.app_context():
        assert db.session.execute(select(Case.source)).scalar_one() == "attendance"
    queue.enqueue(jobs.nightly_job)
    _burst(database_url, redis_url, tmp_path)
    assert _counts(app) == first
