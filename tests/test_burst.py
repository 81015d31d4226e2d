"""A burst of due deadlines on PostgreSQL: batches claimed with FOR UPDATE SKIP LOCKED write exactly what
the one-by-one path writes, and worker processes racing over one due set (burst jobs, the sweep and
timers for the same actions) do each action once; a re-run changes nothing."""
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from rq import Queue, Worker
from sqlalchemy import func, select, update

from app import clock
from app.audit import chain as audit
from app.deadlines import actions, burst, calendar, timers
from app.extensions import db
from app.models import Case, CaseEvent, Deadline, Notification, User
from tests.conftest import IS_PG, _truncate
from tests.district import Baoxue, build
from tests.test_sweep import _log_lines
from tests.test_timer_faults import wait_for
from tests.test_timers import LEVEL2, T0, trail

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not IS_PG, reason="batches claim with SKIP LOCKED (PostgreSQL); SQLite keeps "
                                                  "the one-by-one sweep, which the other deadline tests cover")
NOW = LEVEL2 + timedelta(minutes=1)


def _scenario(app) -> None:
    """Cases at every kind of action: a stale reminder and its catch-up, a reminder in time (to the
    case's assignees), an escalation from level 1, one not due."""
    clock.freeze(T0)
    bx = Baoxue(app, app.test_client(), build(app))
    ids = [bx.open(detected_on="2026-11-10")["id"] for _ in range(5)]
    with app.app_context():
        def set_row(case_id, **values):
            db.session.execute(update(Deadline).where(Deadline.case_id == case_id, Deadline.status == "open")
                               .values(**values))
        set_row(ids[1], due_at=NOW + timedelta(days=3), remind_at=NOW - timedelta(minutes=5),
                next_action="remind", next_action_at=NOW - timedelta(minutes=5))
        set_row(ids[2], level=1, next_action="escalate", next_action_at=LEVEL2)
        db.session.execute(update(User).where(User.username == "bureau").values(email="bureau@example.org"))
        set_row(ids[3], next_action_at=NOW + timedelta(days=1), next_action="due", due_at=NOW + timedelta(days=1))
        db.session.commit()
    clock.freeze(NOW)


def _written(app) -> dict:
    with app.app_context():
        ev = CaseEvent.__table__
        n = Notification.__table__
        out = {
            "events": [tuple(r) for r in db.session.execute(
                select(*[c for c in ev.c if c.name != "id"]).order_by(ev.c.case_id, ev.c.seq))],
            "notices": sorted(tuple(r) for r in db.session.execute(select(*[c for c in n.c if c.name != "id"]))),
            "cases": [tuple(r) for r in db.session.execute(
                select(Case.id, Case.last_seq, Case.last_hash, Case.escalation_level, Case.overdue).order_by(Case.id))],
            "deadlines": [tuple(r) for r in db.session.execute(
                select(Deadline.id, Deadline.level, Deadline.next_action, Deadline.next_action_at).order_by(Deadline.id))],
        }
        db.session.remove()
        return out


def test_the_batch_path_writes_exactly_what_the_one_by_one_path_writes(app, monkeypatch):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"  # the outbox marks: pending for users with an address
    results = {}
    for batched in (False, True):
        _truncate(app)
        calendar.invalidate()
        _scenario(app)
        monkeypatch.setattr(burst, "BATCH", 2)  # several batches, a case's catch-up across them
        with app.app_context():
            result = actions.sweep(batched=batched)
            result["next"] = sorted(result["next"])
        results[batched] = (result, _written(app))
    (one_result, one), (batch_result, batch) = results[False], results[True]
    assert one_result == batch_result
    assert one_result["overdue"] == 2 and one_result["escalated"] == 3 and one_result["reminder"] == 1
    assert len(one["events"]) > 10 and len(one["notices"]) > 5
    assert any(n[-4] == "pending" for n in one["notices"])  # email_status written alike
    for what in ("events", "notices", "cases", "deadlines"):
        assert batch[what] == one[what], what
    with app.app_context():
        assert audit.verify()["ok"] is True


def _counts(app):
    with app.app_context():
        events = db.session.execute(select(CaseEvent.case_id, CaseEvent.action, func.count())
                                    .where(CaseEvent.action != "open")
                                    .group_by(CaseEvent.case_id, CaseEvent.action)).all()
        doubled = db.session.execute(
            select(Notification.deadline_id, Notification.kind, Notification.level, Notification.user_id)
            .group_by(Notification.deadline_id, Notification.kind, Notification.level, Notification.user_id)
            .having(func.count() > 1)).all()
        total = db.session.scalar(select(func.count(Notification.id)))
        db.session.remove()
        return sorted(events), doubled, total


def test_worker_processes_racing_over_a_burst_do_each_action_once(app, bx, database_url, redis_url, redis_conn,
                                                                  tmp_path):
    cases = [bx.open() for _ in range(8)]
    due = clock.now() - timedelta(days=20)  # past the whole ladder: three actions owed per case
    with app.app_context():
        db.session.execute(update(Deadline).where(Deadline.status == "open").values(
            due_at=due, remind_at=due - timedelta(days=1), next_action="remind",
            next_action_at=due - timedelta(days=1)))
        db.session.commit()
    redis_conn.flushdb()
    logs = [tmp_path / f"worker{i}.log" for i in range(3)]
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, BAOXUE_INSTANCE=str(tmp_path),
               BAOXUE_BURST_BATCH="2", BAOXUE_FAULT_PAUSE_IN_ACT="0.1")  # small batches held open a little
    workers = [subprocess.Popen([sys.executable, "worker.py", "--no-cron"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=open(log, "w")) for log in logs]
    try:
        assert wait_for(lambda: len(Worker.all(connection=redis_conn)) == 3, seconds=90), "workers did not start"
        queue = Queue(timers.QUEUE, connection=redis_conn)
        queue.enqueue(timers.sweep_job)  # the tick: its first batch is full, so it shares the burst
        for c in cases:  # and each case's own timer for the same first action, ringing late
            with app.app_context():
                row = db.session.execute(select(Deadline).where(Deadline.case_id == c["id"])).scalar_one()
                queue.enqueue(timers.run, c["id"], row.clock, row.point, "remind", row.next_action_at.isoformat())
        queue.enqueue(timers.burst_job)  # a burst job too many: finds nothing left, or shares

        def escalated():
            with app.app_context():
                n = db.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.action == "escalated"))
                db.session.remove()
            return n
        assert wait_for(lambda: escalated() == 2 * len(cases) and queue.count == 0, seconds=120)
        assert wait_for(lambda: all(w.get_state() == "idle" for w in Worker.all(connection=redis_conn)), seconds=30)
    finally:
        for w in workers:
            w.terminate()
            w.wait(20)
    for c in cases:
        assert trail(app, c["id"]) == [("open", None), ("reminder_skipped", 0), ("overdue", 1), ("escalated", 2),
                                       ("escalated", 3)]
    events, doubled, notices = _counts(app)
    assert doubled == [] and all(n == (2 if action == "escalated" else 1) for _, action, n in events)
    lines = [(i, e) for i, log in enumerate(logs) for e in _log_lines(log)]
    fired = [(e["deadline"], e["escalation_level"]) for _, e in lines if e.get("message") == "timer fired"]
    assert len(fired) == 3 * len(cases) and len(set(fired)) == len(fired)
    assert any(e.get("message") == "burst shared" and e["helpers"] == 2 for _, e in lines)
    assert sum(1 for _, e in lines if e.get("message") == "burst done") >= 2
    assert len({i for i, e in lines if e.get("message") == "timer fired"}) >= 2  # the work was shared
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
    # a re-run changes nothing: the sweep and a burst job find nothing due
    with app.app_context():
        again = actions.sweep()
        assert again.get("busy") is None and sum(v for k, v in again.items() if k != "next") == 0, again
        assert burst.drain(clock.now()) == ({}, set())
    assert _counts(app) == (events, doubled, notices)
