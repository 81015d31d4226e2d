"""The risk list (重点生): who is on it and why (absence rate, a current streak, vanished from a roster
import, dropped out before, known risk flags), who tracks them, the last contact; per class and school,
scoped; the CLI runs the nightly job now; the worker's cron has the job."""
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.attendance import warning
from app.extensions import db
from app.models import AdminEvent, Case, Notification, Pupil, RiskEntry, RosterGap, User
from tests.attendance_helpers import FRI, THU, absent, at_evening


def _reasons(app) -> dict:
    with app.app_context():
        return {e.pupil_id: [r["kind"] for r in e.reasons] for e in db.session.execute(
            select(RiskEntry).where(RiskEntry.cleared_at.is_(None))).scalars()}


def _set_flags(app, pupil_id, **flags):
    with app.app_context():
        p = db.session.get(Pupil, pupil_id)
        for k, v in flags.items():
            setattr(p, k, v)
        db.session.commit()


def test_each_indicator_puts_a_pupil_on_the_list_with_its_reason(app, bx, runner, tmp_path):
    at_evening()
    rate, flagged, one_flag, gone = bx.district.pupils[:4]
    absent(bx, rate, THU, FRI, excused=True, reason="病假")            # 2 of 20 school days
    # a roster import of the class without `gone`: vanished (suspected)
    with app.app_context():
        pupils = db.session.execute(select(Pupil).where(Pupil.id.in_(bx.district.pupils), Pupil.id != gone)).scalars()
        lines = [f"{p.student_no},{p.name},{'男' if p.gender == 'M' else '女'},{p.birth_date},SA-7-1" for p in pupils]
    path = tmp_path / "roster.csv"
    path.write_text("学籍号,姓名,性别,出生日期,班级代码\n" + "\n".join(lines) + "\n", encoding="utf-8")
    r = runner.invoke(args=["import", "pupils", str(path)])
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert db.session.execute(select(RosterGap.pupil_id)).scalars().all() == [gone]
    _set_flags(app, flagged, left_behind=True, unsupported=True)       # two flags (after the import, which
    _set_flags(app, one_flag, migrant=True)                            # sets them); one alone: not listed
    r = runner.invoke(args=["attendance", "warn", "--date", FRI.isoformat()])
    assert r.exit_code == 0 and "new 3" in r.output, (r.output, _reasons(app), [rate, flagged, one_flag, gone])
    reasons = _reasons(app)
    assert reasons == {rate: ["absence_rate"], flagged: ["flags"], gone: ["vanished"]}
    # listed again by a later import: resolved, and cleared from the list by the next run
    path.write_text("学籍号,姓名,性别,出生日期,班级代码\n" + "\n".join(lines) + "\n" +
                    _line(app, gone) + "\n", encoding="utf-8")
    runner.invoke(args=["import", "pupils", str(path)])
    runner.invoke(args=["attendance", "warn", "--date", FRI.isoformat()])
    assert gone not in _reasons(app)


def _line(app, pupil_id):
    with app.app_context():
        p = db.session.get(Pupil, pupil_id)
        return f"{p.student_no},{p.name},{'男' if p.gender == 'M' else '女'},{p.birth_date},SA-7-1"


def test_dropped_out_before_is_a_reason_once_the_case_is_closed(app, bx):
    case = bx.case_in("reported")
    with app.app_context():
        pupil = db.session.get(Case, case["id"]).pupil_id
        warning.run()
    assert pupil not in _reasons(app)   # the case is open: being worked, not a relapse risk yet
    bx.step(case["id"], "close_special_placement", "bureau")   # counted as a dropout, now closed
    with app.app_context():
        warning.run()
    assert _reasons(app)[pupil] == ["dropped_out_before"]


def test_the_page_lists_reasons_tracker_last_contact_and_is_scoped(app, bx, as_):
    at_evening()
    a = bx.district.pupils[0]
    absent(bx, a, THU, FRI, reason="电话联系不上")
    with app.app_context():
        warning.run(FRI)
        entry = db.session.execute(select(RiskEntry)).scalar_one()
        teacher = db.session.execute(select(User).where(User.username == "teacher")).scalar_one()
        assert db.session.execute(select(Notification.user_id).where(Notification.kind == "at_risk")).scalars().all() \
            == [teacher.id]
    html = as_("teacher").text("/risk")
    assert f'id="risk-{a}"' in html and "电话联系不上" in html and "2026-11-20" in html
    assert "更改" not in html                 # a class teacher may not reassign
    assert f'id="risk-{a}"' not in as_("other_admin").text("/risk")
    assert as_("other_admin").get("/risk?unit=SA").status_code == 404
    assert as_("supervisor").get("/risk").status_code == 403
    admin = as_("school_admin")
    assert f'id="risk-{a}"' in admin.text("/risk?unit=SA-7-1")
    r = admin.post(f"/risk/{entry.id}/tracker", MultiDict([("username", "leader")]))
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(RiskEntry, entry.id).tracker.username == "leader"
        event = db.session.execute(select(AdminEvent).where(AdminEvent.action == "risk_tracker_set")).scalar_one()
        assert (event.actor, event.before, event.after) == ("school_admin", {"tracker": None}, {"tracker": "leader"})
    assert admin.post(f"/risk/{entry.id}/tracker", MultiDict([("username", "other_admin")])).status_code == 422
    assert as_("other_admin").post(f"/risk/{entry.id}/tracker", MultiDict([("username", "")])).status_code == 404
    assert as_("teacher").post(f"/risk/{entry.id}/tracker", MultiDict([("username", "")])).status_code == 403
    assert as_("leader").post(f"/risk/{entry.id}/tracker", MultiDict([("username", "")])).status_code == 302


def test_the_worker_cron_registers_the_nightly_job(app):
    from app.attendance import jobs
    from app.worker import _cron
    import inspect
    source = inspect.getsource(_cron)
    assert "attendance_jobs.nightly_job" in source and app.config["WARNING_CRON"] == "30 14 * * *"
    assert jobs.QUEUE in app.config["RQ_QUEUES"]


def test_the_list_comes_a_page_at_a_time_on_the_page_and_the_api(app, bx, as_):
    """A district's list runs to thousands: both the page and the API page it, with the total."""
    at_evening()
    pupils = bx.district.pupils[:3]
    for p in pupils:
        absent(bx, p, THU, FRI, reason="电话联系不上")
    with app.app_context():
        warning.run(FRI)
    body = bx.get("/risk-list?per_page=2&page=2", as_="school_admin").get_json()
    assert (body["total"], body["pages"], body["page"], len(body["items"])) == (3, 2, 2, 1)
    first = bx.get("/risk-list?per_page=2", as_="school_admin").get_json()["items"]
    assert {i["student_id"] for i in first + body["items"]} == set(pupils)
    assert bx.get("/risk-list?per_page=0", as_="school_admin").status_code == 400
    page = as_("school_admin").text("/risk")
    assert all(f'id="risk-{p}"' in page for p in pupils) and "共 3 人" in page
