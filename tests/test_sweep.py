"""The deadline service never stops for one bad row: per-action transactions, incidents with back-off and
a retry button, ladderless clocks, stale reminders superseded, one sweep at a time across real workers."""
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rq import Queue, Worker
from sqlalchemy import func, select, update

from app import clock
from app.deadlines import actions, timers
from app.engine import definition, machine
from app.extensions import db
from app.models import AdminEvent, Case, CaseEvent, Deadline, DeadlineFailure, Notification
from app.auth.roles import ROLES
from tests.deadline_helpers import due_in
from tests.conftest import IS_PG
from tests.test_timer_faults import kill_9, start_worker, wait_for
from tests.test_timers import DUE, LEVEL2, T0, open_at_t0, run_timer, scheduled, trail
from tests.web import Browser

ROOT = Path(__file__).resolve().parents[1]


def break_clock(app, case_id, name="retired_clock"):
    """A row of a clock no longer in the definition: its action raises when it comes due."""
    with app.app_context():
        db.session.execute(update(Deadline).where(Deadline.case_id == case_id).values(clock=name))
        db.session.commit()


def failures(app):
    with app.app_context():
        rows = [(f.case_id, f.action, f.attempts, f.error, f.resolved_at is not None, f.resolution)
                for f in db.session.execute(select(DeadlineFailure).order_by(DeadlineFailure.id)).scalars()]
        db.session.remove()
        return rows


def test_a_failing_action_is_an_incident_and_the_rest_of_the_sweep_goes_on(app, bx, runner):
    cases = [open_at_t0(bx) for _ in range(3)]
    bad = cases[1]["id"]
    break_clock(app, bad)
    clock.freeze(DUE + timedelta(hours=1))
    with app.app_context():
        result = actions.sweep()
    assert result["failed"] == 1 and result["overdue"] == 2, result
    for c in (cases[0], cases[2]):
        assert [a for a, _ in trail(app, c["id"])] == ["open", "reminder_skipped", "overdue"]
    assert [a for a, _ in trail(app, bad)] == ["open"]  # its failed transaction left nothing behind
    [(case_id, action, attempts, error, resolved, _)] = failures(app)
    assert (case_id, action, attempts, resolved) == (bad, "remind", 1, False)
    assert "retired_clock" in error and "KeyError" in error

    # back-off: the next minute's sweep passes it by; after the back-off it is tried again and counted
    with app.app_context():
        assert actions.sweep().get("failed", 0) == 0
    clock.freeze(DUE + timedelta(hours=1, minutes=1, seconds=1))
    with app.app_context():
        assert actions.sweep()["failed"] == 1
    assert failures(app)[0][2] == 2

    out = runner.invoke(args=["worker", "status"])
    assert out.exit_code == 1, out.output
    assert "failing deadline actions: 1" in out.output and f"case #{bad}" in out.output
    assert "retired_clock" in out.output

    # the admin page lists it with its error; the district fixes the row; "retry" does it now
    admin = Browser(app, "admin")
    page = admin.text("/admin/deadline-failures")
    assert "retired_clock" in page and "立即重试" in page and 'id="failure-1"' in page
    [failure_id] = [f for f in _failure_ids(app)]
    assert Browser(app, "school_admin").post(f"/admin/deadline-failures/{failure_id}/retry").status_code == 403
    assert admin.post(f"/admin/deadline-failures/{failure_id}/retry", csrf=False).status_code == 400
    break_clock(app, bad, "report")
    r = admin.post(f"/admin/deadline-failures/{failure_id}/retry")
    assert r.status_code == 302
    assert [a for a, _ in trail(app, bad)] == ["open", "reminder_skipped", "overdue"]
    assert failures(app)[0][4:] == (True, "fired")
    with app.app_context():
        retried = db.session.execute(select(AdminEvent).where(AdminEvent.action == "deadline_retried")).scalars().all()
        assert [(e.actor, e.target) for e in retried] == [("admin", f"deadline {_deadline_id(app, bad)} remind "
                                                                    f"(case {bad})")]
    assert "已解决" in admin.text("/admin/deadline-failures")
    assert admin.post("/admin/deadline-failures/999999/retry").status_code == 404
    out = runner.invoke(args=["worker", "status"])
    assert out.exit_code == 0 and "failing deadline actions: 0" in out.output, out.output
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def test_an_incident_closes_itself_when_its_deadline_moves_on(app, bx):
    case = open_at_t0(bx)
    break_clock(app, case["id"])
    clock.freeze(DUE + timedelta(hours=1))
    with app.app_context():
        assert actions.sweep()["failed"] == 1
        db.session.execute(update(Deadline).where(Deadline.case_id == case["id"])
                           .values(clock="report", status="cancelled", next_action=None, next_action_at=None))
        db.session.commit()
    clock.freeze(DUE + timedelta(hours=2))
    with app.app_context():
        actions.sweep()
    assert failures(app)[0][4:] == (True, "moved_on")


def _failure_ids(app):
    with app.app_context():
        return db.session.execute(select(DeadlineFailure.id)).scalars().all()


def _deadline_id(app, case_id):
    with app.app_context():
        return db.session.execute(select(Deadline.id).where(Deadline.case_id == case_id)).scalar_one()


def test_a_timer_whose_action_fails_records_the_incident_instead_of_failing_the_job(app, bx, redis_conn):
    case = open_at_t0(bx)
    [remind_job] = scheduled(redis_conn, case["id"]) or [None]
    if remind_job is None:  # the reminder falls outside the alarm horizon: set it as the tick would
        with app.app_context():
            timers.plan(app, datetime(2026, 11, 12, 0, 55))
        [remind_job] = scheduled(redis_conn, case["id"])
    with app.app_context():  # a case of a workflow this process does not know (a definition gone)
        db.session.execute(update(Case).where(Case.id == case["id"]).values(workflow="retired_workflow"))
        db.session.commit()
    clock.freeze(datetime(2026, 11, 12, 1, 0, 5))
    with app.app_context():
        assert run_timer(redis_conn, remind_job) == "failed"
    [(case_id, action, attempts, error, resolved, _)] = failures(app)
    assert (case_id, action, attempts, resolved) == (case["id"], "remind", 1, False) and "retired_workflow" in error


# --- a clock without a ladder ------------------------------------------------------------------------

TOY = {
    "name": "lending", "initial": "shelved",
    "states": [{"name": "shelved"}, {"name": "lent"}, {"name": "lost", "final": True}],
    "triggers": [{"name": "lend", "source": "shelved", "dest": "lent", "roles": ["class_teacher"], "form": None},
                 {"name": "give_back", "source": "lent", "dest": "shelved", "roles": ["class_teacher"], "form": None}],
    "clocks": [{"name": "due_back", "starts_on": "lent", "due": [{"working_days": 2}], "met_by": ["give_back"],
                "remind": ["class_teacher"]}],  # no ladder: nobody to escalate to
}


def test_a_clock_without_a_ladder_falls_due_and_escalates_no_further(app, district):
    from tests.test_toy_workflow import OpenForm, actor
    from app.engine.operations import fire, open_case
    machine.register(definition.build({**TOY, "open": {"roles": ["class_teacher"], "form": OpenForm}}, ROLES))
    clock.freeze(T0)
    with app.app_context():
        teacher = actor("teacher")
        case = db.session.get(Case, open_case(teacher, {"student_id": district.pupils[0], "detected_on": "2026-11-10"},
                                              workflow="lending"))
        fire(case, "lend", teacher, {}, version=case.version)
        case_id = case.id
        db.session.remove()
    clock.freeze(T0 + timedelta(days=30))
    with app.app_context():
        result = actions.sweep()
        assert result.get("failed", 0) == 0 and result["overdue"] == 1, result
        row = db.session.execute(select(Deadline).where(Deadline.case_id == case_id)).scalar_one()
        assert (row.level, row.next_action, row.next_action_at) == (1, None, None)
        assert actions.sweep().get("overdue", 0) == 0  # and nothing more, ever
        told = db.session.execute(select(Notification.kind).where(Notification.case_id == case_id)).scalars().all()
    assert [a for a, _ in trail(app, case_id)] == ["open", "lend", "reminder_skipped", "overdue"]
    assert told == ["overdue"]  # its reminder's people (the teacher) learn it is overdue
    assert failures(app) == []


@pytest.mark.parametrize("ladder,message", [
    ([{"after_working_days": 0, "notify": ["wizard"]}], "unknown role 'wizard'"),
    ([{"after_working_days": 0, "notify": []}], "notifies nobody"),
    ([{"after_working_days": 3, "notify": ["school_admin"]}, {"after_working_days": 1, "notify": ["school_admin"]}],
     "not below the step before"),
    ([{"notify": ["school_admin"]}], "after_working_days"),
])
def test_a_ladder_that_would_crash_at_its_due_time_is_refused_at_start_up(ladder, message):
    raw = {**TOY, "open": {"roles": ["class_teacher"], "form": None},
           "clocks": [{**TOY["clocks"][0], "ladder": ladder}]}
    with pytest.raises(definition.DefinitionError, match=message):
        definition.build(raw, ROLES)


def test_an_unknown_remind_role_is_refused_at_start_up():
    raw = {**TOY, "open": {"roles": ["class_teacher"], "form": None},
           "clocks": [{**TOY["clocks"][0], "remind": ["nobody_at_all"]}]}
    with pytest.raises(definition.DefinitionError, match="unknown remind role"):
        definition.build(raw, ROLES)


# --- a reminder that comes too late ------------------------------------------------------------------

def test_a_reminder_run_after_its_deadline_is_skipped_and_the_overdue_action_supersedes_it(app, bx, redis_conn):
    case = open_at_t0(bx)
    with app.app_context():
        timers.plan(app, datetime(2026, 11, 12, 0, 55))  # the alarm for the 09:00 reminder is set...
    [job] = [j for j in scheduled(redis_conn, case["id"]) if "-remind-" in j]
    clock.freeze(DUE + timedelta(hours=3))  # ...but rings only after the due time (worker off, Redis down)
    with app.app_context():
        assert run_timer(redis_conn, job) == "overdue"
        assert run_timer(redis_conn, job) == "skipped"
        kinds = db.session.execute(select(Notification.kind).where(Notification.case_id == case["id"])).scalars().all()
        row = db.session.execute(select(Deadline).where(Deadline.case_id == case["id"])).scalar_one()
        assert (row.level, row.next_action, row.next_action_at) == (1, "escalate", LEVEL2)
    assert "reminder" not in kinds and "overdue" in kinds  # no "will be due on <a past day>"
    events = bx.events(case["id"])
    assert [e["action"] for e in events] == ["open", "reminder_skipped", "overdue"]
    assert events[1]["data"]["reminder_at"] == "2026-11-12T01:00:00Z"
    timeline = Browser(app, "supervisor").text(f"/cases/{case['id']}/timeline")
    assert "到期提醒未发送(已逾期)" in timeline and "event-reminder_skipped" in timeline
    english = Browser(app, "supervisor")
    assert english.post("/language", {"lang": "en", "next": "/work"}).status_code == 302
    assert "Reminder not sent (already overdue)" in english.text(f"/cases/{case['id']}/timeline")


def test_a_reminder_in_time_is_still_sent(app, bx):
    case = open_at_t0(bx)
    clock.freeze(datetime(2026, 11, 12, 1, 0, 1))
    with app.app_context():
        assert actions.sweep()["reminder"] == 1
    assert [a for a, _ in trail(app, case["id"])] == ["open", "reminder"]


# --- one sweep at a time across real worker processes ------------------------------------------------

def _log_lines(path):
    out = []
    for line in Path(path).read_text(errors="replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


@pytest.mark.skipif(not IS_PG, reason="the sweep lock is PostgreSQL's advisory lock; SQLite is one machine's file, "
                                      "where act()'s conditional UPDATE alone keeps each action single")
def test_three_worker_processes_sweep_one_at_a_time_and_fire_each_action_once(app, bx, database_url, redis_url,
                                                                              redis_conn, tmp_path):
    cases = [bx.open() for _ in range(8)]  # every pupil of the district
    now = clock.now()
    due = now - timedelta(days=20)  # past due by more than the whole ladder: every step is owed
    with app.app_context():
        db.session.execute(update(Deadline).where(Deadline.status == "open").values(
            due_at=due, remind_at=due - timedelta(days=1), next_action="remind",
            next_action_at=due - timedelta(days=1)))
        db.session.commit()
    redis_conn.flushdb()
    logs = [tmp_path / f"worker{i}.log" for i in range(3)]
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, BAOXUE_INSTANCE=str(tmp_path),
               BAOXUE_FAULT_PAUSE_IN_ACT="0.15")  # each action holds its transaction a little: sweeps last
    workers = [subprocess.Popen([sys.executable, "worker.py", "--no-cron"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=open(log, "w")) for log in logs]
    try:
        assert wait_for(lambda: len(Worker.all(connection=redis_conn)) == 3, seconds=90), "workers did not start"
        queue = Queue(timers.QUEUE, connection=redis_conn)
        for _ in range(6):  # the ticks of several machines' crons, all at once
            queue.enqueue(timers.sweep_job)

        def escalated():
            with app.app_context():
                n = db.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.action == "escalated"))
                db.session.remove()
            return n
        assert wait_for(lambda: escalated() == 2 * len(cases) and queue.count == 0, seconds=90)
        time.sleep(2)
    finally:
        for w in workers:
            w.terminate()
            w.wait(20)
    for c in cases:  # every action exactly once, in order
        assert [(a, lv) for a, lv in trail(app, c["id"])] == [
            ("open", None), ("reminder_skipped", 0), ("overdue", 1), ("escalated", 2), ("escalated", 3)]
    lines = [(i, e) for i, log in enumerate(logs) for e in _log_lines(log)]
    fired = [(e["deadline"], e["escalation_level"]) for _, e in lines if e.get("message") == "timer fired"]
    assert len(fired) == 3 * len(cases) and len(set(fired)) == len(fired)
    sweeps = [(i, e) for i, e in lines if e.get("message") == "sweep done"]
    working = [(i, e) for i, e in sweeps if e.get("attempted")]
    busy = [(i, e) for i, e in sweeps if e.get("busy")]
    # every action was done by sweeps (no timers are set): one sweep id per fired line, and no two
    # sweeps that did work ran at the same time
    assert all(e.get("sweep") for _, e in lines if e.get("message") == "timer fired")
    spans = sorted((e["started"], e["ended"], e["sweep"]) for _, e in working)
    assert spans and all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans
    # ...while the others were refused the lock: several workers' sweeps came together, one worked
    assert busy, sweeps
    assert any(s[0] <= e["started"] <= s[1] for _, e in busy for s in spans), (spans, busy)
    assert len({i for i, _ in sweeps}) >= 2
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


# --- worker status after kill -9 ---------------------------------------------------------------------

def test_worker_status_after_kill_9_removes_the_dead_and_exits_by_the_deadlines(app, bx, database_url, redis_url,
                                                                               redis_conn, runner, tmp_path):
    case = bx.open()
    due_in(app, case["id"], 2)  # the report deadline falls due in 2 s, its alarm set
    marker = tmp_path / "in-job"
    log = tmp_path / "doomed.log"
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, BAOXUE_INSTANCE=str(tmp_path),
               BAOXUE_FAULT_PAUSE_IN_ACT="60", BAOXUE_FAULT_MARKER=str(marker))
    doomed = subprocess.Popen([sys.executable, "worker.py", "--no-cron"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    try:
        assert wait_for(marker.exists, seconds=90), log.read_text()[-3000:]
        doomed_name = next(w.name for w in Worker.all(connection=redis_conn) if w.pid == doomed.pid)
    finally:
        kill_9(doomed)
    healthy = start_worker(database_url, redis_url, tmp_path)
    try:
        assert wait_for(lambda: any(w.pid == healthy.pid for w in Worker.all(connection=redis_conn)), seconds=90)
        out = runner.invoke(args=["worker", "status"])
        assert out.exit_code == 0, out.output  # what died is cleaned up; nothing is late yet
        assert f"dead worker {doomed_name}" in out.output and "phantom job bx-" in out.output, out.output
        assert "workers: 1" in out.output
        again = runner.invoke(args=["worker", "status"])
        assert again.exit_code == 0 and "dead worker" not in again.output and "phantom" not in again.output
        assert "running 0" in again.output and "workers: 1" in again.output
        # an action nothing fired for longer than two sweep intervals: late, exit 1 (the tick would fire it:
        # run none here; the healthy worker has no cron)
        with app.app_context():
            db.session.execute(update(Deadline).where(Deadline.case_id == case["id"])
                               .values(next_action_at=clock.now() - timedelta(minutes=10)))
            db.session.commit()
        late = runner.invoke(args=["worker", "status"])
        assert late.exit_code == 1 and "late deadline actions" in late.output and f"case #{case['id']}" in late.output
    finally:
        healthy.terminate()
        healthy.wait(20)
    with app.app_context():  # the killed job's action was never done; the next sweep does it, once
        actions.sweep()
    assert [a for a, _ in trail(app, case["id"])].count("overdue") == 1
