"""Deadlines that fire: reminder -> overdue (level 1) -> level 2 -> level 3, each once, with the right
people notified; timers in real Redis with deterministic ids; the sweep covers lost timers."""
from datetime import datetime, timedelta

from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from app import clock
from app.deadlines import actions, timers
from app.extensions import db
from app.models import Case, CaseEvent, Deadline, Notification
from tests.deadline_helpers import remind_on_time

T0 = datetime(2026, 11, 10, 2, 0)  # Tuesday 10:00 in Shanghai
REMIND = datetime(2026, 11, 12, 1, 0)          # 09:00 the working day before the due day
DUE = datetime(2026, 11, 13, 15, 59, 59)       # end of Friday 11-13: detected + 3 working days
LEVEL2 = datetime(2026, 11, 17, 15, 59, 59)    # +2 working days
LEVEL3 = datetime(2026, 11, 20, 15, 59, 59)    # +5 working days


def open_at_t0(bx):
    clock.freeze(T0)
    return bx.open(detected_on="2026-11-10")


def scheduled(redis_conn, case_id):
    registry = ScheduledJobRegistry(timers.QUEUE, connection=redis_conn)
    return sorted(j for j in registry.get_job_ids() if j.startswith(f"bx-{case_id}-"))


def run_timer(redis_conn, jid):
    """What a worker does with the job: call its function with its arguments."""
    job = Job.fetch(jid, connection=redis_conn)
    return job.func(*job.args, **job.kwargs)


def trail(app, case_id):
    with app.app_context():
        return [(e.action, e.data.get("level")) for e in db.session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)).scalars()]


def inbox(bx, user):
    return [(n["kind"], n["level"]) for n in reversed(bx.get("/notifications", as_=user).get_json()["items"])]


def test_untouched_case_walks_the_ladder_once_each(app, bx, redis_conn):
    case = open_at_t0(bx)
    assert scheduled(redis_conn, case["id"]) == []  # days away: no alarm in Redis yet
    assert bx.case(case["id"])["open_deadlines"][0]["due_at"] == DUE.isoformat() + "Z"

    with app.app_context():
        for at, expect in [(REMIND, "reminder"), (DUE, "overdue"), (LEVEL2, "escalated"), (LEVEL3, "escalated")]:
            clock.freeze(at - timedelta(minutes=5))
            assert timers.tick(app)["planned"] == 1  # the per-minute tick sets the alarm as it comes near
            jid = timers.job_id(case["id"], "report", 0, {"reminder": "remind", "overdue": "due"}.get(
                expect, "escalate"), at)
            assert scheduled(redis_conn, case["id"]) == [jid]
            assert run_timer(redis_conn, jid) == "early"  # a timer that fires early does nothing
            clock.freeze(at + timedelta(seconds=2))
            assert run_timer(redis_conn, jid) == expect
            assert run_timer(redis_conn, jid) == "skipped"  # twice: once
            ScheduledJobRegistry(timers.QUEUE, connection=redis_conn).remove(jid)
    assert trail(app, case["id"]) == [("open", None), ("reminder", 0), ("overdue", 1), ("escalated", 2),
                                      ("escalated", 3)]
    assert inbox(bx, "school_admin") == [("reminder", 0)]
    assert inbox(bx, "bureau") == [("overdue", 1), ("escalated", 2)]
    assert inbox(bx, "head") == [("escalated", 3)]
    assert inbox(bx, "other_admin") == [] and inbox(bx, "teacher") == []
    detail = bx.case(case["id"])
    assert detail["escalation_level"] == 3 and detail["overdue"] is True
    assert [c["id"] for c in bx.get("/cases?overdue=true").get_json()["items"]] == [case["id"]]
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
    with app.app_context():  # nothing left to fire on this clock
        assert db.session.get(Deadline, 1).next_action is None


def test_a_deadline_met_in_time_never_escalates(app, bx, redis_conn):
    case = open_at_t0(bx)
    clock.freeze(T0 + timedelta(days=1))
    bx.step(case["id"], "report", "school_admin")
    with app.app_context():
        clock.freeze(DUE + timedelta(days=30))
        for jid in scheduled(redis_conn, case["id"]):
            if "-report-" in jid:
                assert run_timer(redis_conn, jid) == "skipped"
    actions_seen = [a for a, _ in trail(app, case["id"])]
    assert "overdue" not in actions_seen and "escalated" not in actions_seen
    assert bx.case(case["id"])["escalation_level"] == 0


def test_sweep_after_flushall_escalates_every_due_case_once(app, bx, redis_conn, runner):
    first, second = open_at_t0(bx), bx.open(detected_on="2026-11-10")
    redis_conn.flushdb()  # every pending timer is gone (this database only: parallel suites share the server)
    clock.freeze(LEVEL2 + timedelta(minutes=1))
    out = runner.invoke(args=["deadlines", "sweep"])
    assert out.exit_code == 0, out.output
    assert "overdue 2" in out.output and "escalated 2" in out.output and "reminder" not in out.output
    for case in (first, second):  # the reminder came too late to be sent: the timeline says so
        assert trail(app, case["id"]) == [("open", None), ("reminder_skipped", 0), ("overdue", 1), ("escalated", 2)]
    again = runner.invoke(args=["deadlines", "sweep"])
    assert "nothing due" in again.output
    for case in (first, second):
        assert len(trail(app, case["id"])) == 4
    # when level 3 comes near, the tick sets its alarm again in the emptied Redis
    clock.freeze(LEVEL3 - timedelta(minutes=1))
    with app.app_context():
        assert timers.tick(app)["planned"] == 2
    assert any("-escalate-" in j and LEVEL3.strftime("%Y%m%dT%H%M%S") in j
               for j in scheduled(redis_conn, first["id"]))


def test_scheduling_twice_makes_one_job(app, redis_conn):
    with app.app_context():
        item = (41, "report", 0, "due", DUE)
        timers.schedule(app, [item])
        timers.schedule(app, [item])
    registry = ScheduledJobRegistry(timers.QUEUE, connection=redis_conn)
    assert registry.get_job_ids() == [timers.job_id(*item)]
    assert Queue(timers.QUEUE, connection=redis_conn).count == 0


def test_deadlines_list_and_notifications_api(app, bx, runner):
    case = open_at_t0(bx)
    remind_on_time(app)
    clock.freeze(DUE + timedelta(minutes=1))
    with app.app_context():
        assert actions.sweep()["overdue"] == 1
    out = runner.invoke(args=["deadlines", "list", "--overdue"])
    assert out.exit_code == 0 and f"#{case['id']}" in out.output and "report" in out.output and "L1" in out.output
    notes = bx.get("/notifications?unread=true", as_="bureau").get_json()
    assert notes["unread"] == 1 and "逾期" in notes["items"][0]["title"]
    nid = notes["items"][0]["id"]
    assert bx.post(f"/notifications/{nid}/read", as_="teacher").status_code == 404  # not theirs
    r = bx.post(f"/notifications/{nid}/read", as_="bureau")
    assert r.status_code == 200 and r.get_json()["read_at"] == (DUE + timedelta(minutes=1)).isoformat() + "Z"
    assert bx.get("/notifications?unread=true", as_="bureau").get_json()["unread"] == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == 2  # school_admin's reminder + this
        assert db.session.get(Case, case["id"]).escalation_level == 1


def test_an_action_due_within_minutes_gets_its_alarm_at_commit(bx, redis_conn):
    clock.freeze(REMIND - timedelta(minutes=5))  # Thursday 08:55; detected Tuesday: reminder at 09:00 today
    case = bx.open(detected_on="2026-11-10")
    assert scheduled(redis_conn, case["id"]) == [timers.job_id(case["id"], "report", 0, "remind", REMIND)]


def test_each_clock_names_its_reminder_lead_time(bx):
    doc = bx.get("/workflows/dropout").get_json()
    leads = {c["clock"]: c["remind_before_working_days"] for c in doc["deadlines"]}
    assert leads["report"] == 1 and leads["joint_return_stage"] == 3
    case = bx.case_in("joint_return")
    joint = next(d for d in case["open_deadlines"] if d["clock"] == "joint_return_stage")
    due, remind = (datetime.fromisoformat(joint[k].rstrip("Z")) for k in ("due_at", "remind_at"))
    from app.deadlines import calendar
    assert calendar.add_working_days(calendar.local_date(remind), 3) == calendar.local_date(due)


def test_mark_all_read_through_the_api_and_the_page(app, bx):
    from tests.web import Browser
    open_at_t0(bx)
    open_at_t0(bx)
    remind_on_time(app)
    clock.freeze(DUE + timedelta(minutes=1))
    with app.app_context():
        actions.sweep()
    assert bx.get("/notifications?unread=true", as_="bureau").get_json()["unread"] == 2
    assert bx.post("/notifications/read-all", as_="bureau").get_json() == {"marked": 2}
    assert bx.get("/notifications?unread=true", as_="bureau").get_json()["unread"] == 0
    admin = Browser(app, "school_admin")
    assert 'id="read-all"' in admin.text("/work")
    assert admin.post("/notifications/read-all").status_code == 302
    assert bx.get("/notifications?unread=true", as_="school_admin").get_json()["unread"] == 0
    assert "没有未读通知" in admin.text("/work")
