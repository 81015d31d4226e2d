"""Early warning: a run of unexcused absences opens exactly one detected case (source attendance, the
absences as evidence, assigned to the class teacher, its report clock running); an excused run opens
none; a pupil with an open case is not opened twice; the nightly job changes nothing when re-run."""
from sqlalchemy import func, select

from app.attendance import warning
from app.extensions import db
from app.models import AbsenceStreak, Case, CaseAssignee, CaseEvent, Deadline, Notification, RiskEntry, User
from tests.attendance_helpers import FRI, MON, THU, TUE, WED, absent, at_evening


def _counts():
    return (db.session.scalar(select(func.count(Case.id))), db.session.scalar(select(func.count(Notification.id))),
            db.session.scalar(select(func.count(RiskEntry.id))), db.session.scalar(select(func.count(AbsenceStreak.id))))


def test_three_unexcused_school_days_open_exactly_one_case(app, bx):
    at_evening()
    pupil = bx.pupil()
    absent(bx, pupil, WED, THU, FRI)
    with app.app_context():
        first = warning.run()
        second = warning.run()
        assert first["opened"] == 1 and second["opened"] == 0
        case = db.session.execute(select(Case).where(Case.pupil_id == pupil)).scalar_one()
        assert case.source == "attendance" and case.opened_on == FRI  # the day the streak reached 3
        teacher = db.session.execute(select(User.id).where(User.username == "teacher")).scalar_one()
        assert [a.user_id for a in db.session.execute(select(CaseAssignee).where(
            CaseAssignee.case_id == case.id)).scalars()] == [teacher]
        assert db.session.scalar(select(func.count(Deadline.id)).where(Deadline.case_id == case.id,
                                                                       Deadline.status == "open")) == 1
        opening = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalar_one()
        streak = db.session.execute(select(AbsenceStreak)).scalar_one()
        assert streak.case_id == case.id and streak.opened_case and streak.days == 3
        note = opening.data["form"]["note"]
        assert "2026-11-18" in note and "2026-11-20" in note and "#" in note
    # the API shows it like any case
    assert bx.case(case.id)["source"] == "attendance"


def test_an_excused_run_opens_nothing_and_a_weekend_does_not_break_a_run(app, bx):
    at_evening()
    excused, broken = bx.pupil(), bx.pupil()
    absent(bx, excused, WED, THU, FRI, excused=True, reason="病假")
    absent(bx, broken, TUE, THU, FRI)  # present on Wednesday: two runs, neither 3 long
    with app.app_context():
        assert warning.run()["opened"] == 0
        assert db.session.scalar(select(func.count(Case.id))) == 0


def test_a_pupil_with_an_open_case_is_not_opened_twice(app, bx):
    at_evening()
    pupil = bx.pupil()
    by_hand = bx.open(pupil, detected_on=THU.isoformat())
    absent(bx, pupil, WED, THU, FRI)
    with app.app_context():
        result = warning.run()
        assert result["opened"] == 0 and result["already_open"] == 1
        assert db.session.scalar(select(func.count(Case.id))) == 1
        assert db.session.execute(select(AbsenceStreak.case_id)).scalar_one() == by_hand["id"]


def test_a_closed_false_alarm_is_not_reopened_by_the_same_absences(app, bx):
    at_evening()
    pupil = bx.pupil()
    absent(bx, pupil, WED, THU, FRI)
    with app.app_context():
        warning.run()
        case_id = db.session.execute(select(Case.id)).scalar_one()
    bx.step(case_id, "close_false_alarm", "bureau")
    with app.app_context():
        assert warning.run()["opened"] == 0
        assert db.session.scalar(select(func.count(Case.id))) == 1


def test_the_nightly_job_is_idempotent(app, bx):
    at_evening()
    a, b = bx.pupil(), bx.pupil()
    absent(bx, a, WED, THU, FRI)
    absent(bx, b, THU, FRI, excused=True, reason="病假")  # 2 of 20 school days: 10 %, at risk, no case
    with app.app_context():
        warning.run()
        before = _counts()
        assert before[:2] == (1, 2) and before[2] == 2  # one case; two entries, a notice each to the teacher
        again = warning.run()
        assert _counts() == before
        assert again["new"] == 0 and again["notified"] == 0 and again["opened"] == 0


def test_the_dashboard_counts_cases_opened_by_early_warning_and_how_much_earlier(app, bx):
    at_evening()
    auto, hand = bx.pupil(), bx.pupil()
    absent(bx, auto, WED, THU, FRI)
    absent(bx, hand, MON, TUE, WED, THU, FRI)
    bx.open(hand, detected_on=FRI.isoformat())   # by hand, 4 days after the first absence (Monday)
    with app.app_context():
        warning.run()
    d = bx.get("/dashboard", as_="bureau").get_json()["early_warning"]
    assert (d["opened_by_warning"], d["opened_by_hand"], d["hand_after_absences"]) == (1, 1, 1)
    assert d["median_days_warning"] == 2 and d["median_days_hand"] == 4 and d["median_days_earlier"] == 2
