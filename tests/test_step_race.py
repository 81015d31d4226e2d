"""A user's step racing a system action: an escalation writing the case row (its audit chain head and
escalation level) while the user's step, read before it, is being written. The step either succeeds or
gets a 409 whose current_version is the case's new version, after which a retry succeeds; the audit
chain stays whole. The escalation really runs in a worker process, held open mid-transaction by the
fault-injection pause (BAOXUE_FAULT_PAUSE_IN_ACT)."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from app import clock
from app.deadlines import timers
from app.extensions import db
from app.models import Deadline
from tests.test_timer_faults import overdue_events, start_worker, wait_for

PAUSE = 3.0


def due_in(app, case_id, seconds, clock_name):
    """Make the case's `clock_name` deadline fall due `seconds` from now; return that time."""
    due = clock.now().replace(microsecond=0) + timedelta(seconds=seconds)
    with app.app_context():
        db.session.execute(update(Deadline).where(Deadline.case_id == case_id, Deadline.clock == clock_name)
                           .values(next_action="due", next_action_at=due, due_at=due))
        db.session.commit()
    return due


def _escalation_held_open(app, bx, case, database_url, redis_url, tmp_path, clock_name):
    """Start a worker whose escalation of the case's `clock_name` deadline pauses before COMMIT."""
    with app.app_context():
        due = due_in(app, case["id"], 2, clock_name)
        timers.schedule(app, [(case["id"], clock_name, 0, "due", due)])
    marker = tmp_path / "in-escalation"
    worker = start_worker(database_url, redis_url, tmp_path, BAOXUE_FAULT_PAUSE_IN_ACT=str(PAUSE),
                          BAOXUE_FAULT_MARKER=str(marker))
    assert wait_for(marker.exists), "the escalation did not start"
    return worker


@pytest.mark.parametrize("trigger,who,clock_name", [
    ("report", "school_admin", "report"),   # the step meets the very deadline being escalated
    ("add_note", "teacher", "report"),      # the step touches no deadline: only the chain head races
])
def test_a_step_racing_an_escalation_succeeds_or_gets_the_new_version(app, bx, database_url, redis_url,
                                                                       tmp_path, trigger, who, clock_name):
    case = bx.open()
    version = case["version"]
    worker = _escalation_held_open(app, bx, case, database_url, redis_url, tmp_path, clock_name)
    try:
        started = time.monotonic()
        r = bx.fire(case["id"], trigger, who, version=version)  # read while the escalation is uncommitted
        took = time.monotonic() - started
        body = r.get_json()
        assert r.status_code in (200, 409), (r.status_code, body)
        if r.status_code == 409:
            assert body["current_version"] != version, body  # a retry with what we were told can work
            r = bx.fire(case["id"], trigger, who, version=body["current_version"])
            assert r.status_code == 200, r.get_json()
        # the escalation was under way before the step came: it is recorded, once
        assert wait_for(lambda: overdue_events(app, case["id"]) == 1, 20)
    finally:
        worker.terminate()
        worker.wait(20)
    # the step was read before the escalation committed and written after it, on top of its event
    assert [e["action"] for e in bx.events(case["id"])] == ["open", "overdue", trigger]
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
    assert took < PAUSE + 10

