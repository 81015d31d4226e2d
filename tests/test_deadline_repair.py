"""Deadline repair: a calendar override set or cleared re-times the open deadlines whose count crosses the
day, with one audit event per case naming the old and new due day and why (CLI and admin page)."""
import time
from datetime import date, datetime, timedelta
from time import monotonic

from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from app import clock

from app.audit import chain as audit
from app.deadlines import calendar, overrides, timers
from app.engine import machine
from app.extensions import db
from app.models import Deadline
from tests.web import Browser

MON = datetime(2026, 11, 2, 2, 0)  # Monday 2026-11-02 10:00 in Shanghai (no official holiday near)


def report_deadline(app, case_id) -> Deadline:
    with app.app_context():
        return db.session.execute(select(Deadline).where(Deadline.case_id == case_id, Deadline.clock == "report")
                                  ).scalar_one()


def due_day(app, case_id) -> date:
    return calendar.local_date(report_deadline(app, case_id).due_at)


def retimed(bx, case_id) -> list[dict]:
    return [e for e in bx.events(case_id) if e["action"] == "deadline_retimed"]


def open_two(bx):
    """Case a: detected Monday 11-02, report due Thursday 11-05 (3 working days). Case b: detected
    Wednesday 11-04, due Monday 11-09: its count starts on the 4th, so a change of the 4th is not in it."""
    clock.freeze(MON)
    a = bx.open(detected_on="2026-11-02")["id"]
    clock.freeze(MON + timedelta(days=2))
    b = bx.open(detected_on="2026-11-04")["id"]
    return a, b


def test_a_holiday_inside_the_count_moves_the_due_day_and_clearing_moves_it_back(app, bx, runner):
    a, b = open_two(bx)
    assert due_day(app, a) == date(2026, 11, 5) and due_day(app, b) == date(2026, 11, 9)
    untouched = report_deadline(app, b)
    clock.freeze(MON + timedelta(days=1))  # Tuesday: the school announces Wednesday off

    out = runner.invoke(args=["calendar", "set", "2026-11-04", "holiday", "暴雨停课"])
    assert out.exit_code == 0, out.output
    assert "1 open deadline re-timed in 1 case" in out.output
    row = report_deadline(app, a)
    assert calendar.local_date(row.due_at) == date(2026, 11, 6)  # one working day later
    assert row.next_action == "remind" and row.remind_at == row.next_action_at == datetime(2026, 11, 5, 1, 0)
    b_row = report_deadline(app, b)
    assert (b_row.due_at, b_row.remind_at, b_row.next_action_at) == (untouched.due_at, untouched.remind_at,
                                                                     untouched.next_action_at)
    assert retimed(bx, b) == []
    [event] = retimed(bx, a)
    assert event["actor"] == "system"
    assert event["data"]["retimed"] == [{"clock": "report", "point": 0, "from": "2026-11-05", "to": "2026-11-06",
                                         "due_at": "2026-11-06T15:59:59Z", "level": 0}]
    assert event["data"]["calendar"] == {"day": "2026-11-04", "change": "set", "before": None,
                                         "after": {"kind": "holiday", "note": "暴雨停课"}, "by": "cli"}

    out = runner.invoke(args=["calendar", "set", "2026-11-04", "clear"])
    assert out.exit_code == 0 and "override removed" in out.output and "1 open deadline re-timed" in out.output
    assert due_day(app, a) == date(2026, 11, 5)
    assert report_deadline(app, a).next_action_at == datetime(2026, 11, 4, 1, 0)
    back = retimed(bx, a)[-1]["data"]
    assert back["retimed"][0]["from"] == "2026-11-06" and back["retimed"][0]["to"] == "2026-11-05"
    assert back["calendar"]["change"] == "cleared" and back["calendar"]["before"]["kind"] == "holiday"
    with app.app_context():
        assert audit.verify()["ok"]  # the new events extend each case's chain

    page = Browser(app, "supervisor").text(f"/cases/{a}/timeline")
    rows = [r for r in page.split('<tr id="event-')[1:] if 'class="event-deadline_retimed"' in r]
    assert len(rows) == 2 and "时限重新计算" in rows[0]
    assert "<del>2026-11-05</del> → <strong>2026-11-06</strong>" in rows[0] and "暴雨停课" in rows[0]
    assert "<del>2026-11-06</del> → <strong>2026-11-05</strong>" in rows[1] and "撤销调整" in rows[1]
    english = Browser(app, "supervisor")
    english.post("/language", {"lang": "en", "next": "/work"})
    assert "Deadline re-timed" in english.text(f"/cases/{a}/timeline")


def test_an_override_after_every_due_day_moves_nothing(app, bx, runner):
    a, b = open_two(bx)
    before = [report_deadline(app, c).due_at for c in (a, b)]
    out = runner.invoke(args=["calendar", "set", "2026-11-20", "holiday"])
    assert out.exit_code == 0 and "0 open deadlines re-timed" in out.output
    assert [report_deadline(app, c).due_at for c in (a, b)] == before
    assert retimed(bx, a) == retimed(bx, b) == []
    out = runner.invoke(args=["calendar", "set", "2026-11-20", "clear"])
    assert "0 open deadlines re-timed" in out.output


def test_a_make_up_working_day_brings_the_due_day_forward_and_sets_its_alarm(app, bx, runner, redis_conn):
    # Detected Friday 10-30: due Wednesday 11-04, reminder Tuesday 09:00. A 调休 Saturday 10-31 counts:
    # due Tuesday, reminder Monday 09:00 — five minutes from now, so its alarm is set at once.
    clock.freeze(datetime(2026, 11, 1, 0, 0))  # Sunday 08:00
    case = bx.open(detected_on="2026-10-30")["id"]
    assert due_day(app, case) == date(2026, 11, 4)
    clock.freeze(datetime(2026, 11, 2, 0, 55))  # Monday 08:55
    out = runner.invoke(args=["calendar", "set", "2026-10-31", "workday", "调休"])
    assert "1 open deadline re-timed" in out.output
    row = report_deadline(app, case)
    assert calendar.local_date(row.due_at) == date(2026, 11, 3)
    remind = datetime(2026, 11, 2, 1, 0)
    assert row.next_action_at == remind
    jobs = ScheduledJobRegistry(timers.QUEUE, connection=redis_conn).get_job_ids()
    assert timers.job_id(case, "report", 0, "remind", remind) in jobs


def test_an_overdue_deadline_keeps_its_level_and_its_next_escalation_moves(app, bx, runner):
    a, _ = open_two(bx)
    clock.freeze(datetime(2026, 11, 6, 2, 0))  # Friday: report was due Thursday
    assert runner.invoke(args=["deadlines", "sweep"]).exit_code == 0
    row = report_deadline(app, a)
    assert row.level == 1 and row.next_action == "escalate"
    assert row.next_action_at == calendar.end_of_day(date(2026, 11, 9))  # +2 working days
    out = runner.invoke(args=["calendar", "set", "2026-11-03", "holiday", "全县停课"])
    assert "1 open deadline re-timed" in out.output
    row = report_deadline(app, a)
    assert row.level == 1 and calendar.local_date(row.due_at) == date(2026, 11, 6)
    assert row.next_action == "escalate" and row.next_action_at == calendar.end_of_day(date(2026, 11, 10))
    assert retimed(bx, a)[0]["data"]["retimed"][0]["level"] == 1


def test_the_admin_page_says_how_many_deadlines_moved(app, bx):
    a, b = open_two(bx)
    admin = Browser(app, "admin")
    r = admin.post("/admin/calendar", {"day": "2026-11-05", "kind": "holiday", "note": "秋收假"})
    assert r.status_code == 302
    assert "2 项进行中的时限已重新计算" in admin.text(r.headers["Location"])  # both counts cross the 5th
    assert (due_day(app, a), due_day(app, b)) == (date(2026, 11, 6), date(2026, 11, 10))
    assert retimed(bx, b)[0]["data"]["calendar"]["by"] == "admin"
    r = admin.post("/admin/calendar", {"day": "2026-11-20", "kind": "holiday", "note": ""})
    assert "0 项进行中的时限已重新计算" in admin.text(r.headers["Location"])
    r = admin.post("/admin/calendar", {"day": "2026-11-05", "kind": "clear", "note": ""})
    assert "2 项进行中的时限已重新计算" in admin.text(r.headers["Location"])
    assert (due_day(app, a), due_day(app, b)) == (date(2026, 11, 5), date(2026, 11, 9))


def test_a_months_point_moves_only_when_its_day_becomes_a_day_off(app, bx, runner):
    # The follow-up clock's one-month point is calendar arithmetic (same day next month, then the next
    # working day): a holiday on that day moves it, the working-day and three-month points stay.
    case = bx.case_in("re_enrolled")["id"]
    defn = machine.get("dropout")
    with app.app_context():
        rows = db.session.execute(select(Deadline).where(Deadline.case_id == case, Deadline.status == "open")
                                  ).scalars().all()
        months = [r for r in rows if "months" in defn.clock(r.clock).due[r.point]]
        month_row = min(months, key=lambda r: r.due_at)
        others = {r.id: r.due_at for r in rows if r.id != month_row.id}
        day = calendar.local_date(month_row.due_at)
    out = runner.invoke(args=["calendar", "set", day.isoformat(), "holiday", "校庆"])
    assert "1 open deadline re-timed" in out.output, out.output
    with app.app_context():
        moved = db.session.get(Deadline, month_row.id)
        assert calendar.local_date(moved.due_at) == calendar.next_workday(day + timedelta(days=1))
        assert {r.id: r.due_at for r in db.session.execute(select(Deadline).where(
            Deadline.id.in_(list(others)))).scalars()} == others
    [event] = retimed(bx, case)
    assert [(m["from"], m["point"]) for m in event["data"]["retimed"]] == [(day.isoformat(), month_row.point)]


def test_a_refused_override_moves_nothing(app, bx, runner):
    a, _ = open_two(bx)
    before = report_deadline(app, a).due_at
    out = runner.invoke(args=["calendar", "set", "2026-11-04", "holiday", "长" * 101])
    assert out.exit_code != 0 and "100" in out.output
    assert report_deadline(app, a).due_at == before and retimed(bx, a) == []
    with app.app_context():
        assert calendar.is_workday(date(2026, 11, 4))


def test_a_deadline_opened_by_a_process_that_had_not_read_the_change_yet_is_counted_again(app, bx, runner, redis_conn):
    """Each process re-reads the overrides every OVERRIDE_TTL seconds; a change queues a second count of
    its day for after that window, which re-times what another process counted the old way meanwhile."""
    clock.freeze(MON + timedelta(days=1))
    queued_at = time.time()
    out = runner.invoke(args=["calendar", "set", "2026-11-04", "holiday", "暴雨停课"])
    assert out.exit_code == 0, out.output
    job_id = overrides.recheck_job_id(date(2026, 11, 4))
    registry = ScheduledJobRegistry("baoxue-default", connection=redis_conn)
    assert job_id in registry.get_job_ids()
    at = registry.get_scheduled_time(job_id).timestamp()
    assert queued_at + overrides.RECHECK_AFTER - 2 <= at <= time.time() + overrides.RECHECK_AFTER
    assert overrides.RECHECK_AFTER > calendar.OVERRIDE_TTL

    # another process read the overrides just before the change and keeps them until its TTL is up
    calendar._cache.update(days={}, at=monotonic())
    clock.freeze(MON)
    a = bx.open(detected_on="2026-11-02")["id"]
    assert due_day(app, a) == date(2026, 11, 5)  # counted as if the 4th were still a school day
    calendar.invalidate()

    job = Job.fetch(job_id, connection=redis_conn)
    assert job.func_name == "app.deadlines.overrides.recheck_job"
    with app.app_context():
        done = overrides.recheck(date.fromisoformat(job.args[0]), job.args[1])
    assert done.moved == 1 and done.cases == [a]
    assert due_day(app, a) == date(2026, 11, 6)
    [event] = retimed(bx, a)
    assert event["data"]["calendar"]["change"] == "set" and event["data"]["calendar"]["after"]["kind"] == "holiday"
    with app.app_context():
        assert overrides.recheck(date(2026, 11, 4), job.args[1]).moved == 0  # a second run moves nothing
        assert audit.verify()["ok"]
