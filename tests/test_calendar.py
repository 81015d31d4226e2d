"""Working days of the Chinese calendar, as deadlines count them."""
from datetime import date

from app.deadlines import calendar
from app.deadlines.clocks import due_date


def test_national_day_2026_report_deadline_falls_on_the_make_up_saturday():
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert calendar.is_workday(date(2026, 10, 10)) and not calendar.is_workday(date(2026, 10, 5))
    due = calendar.end_of_day(date(2026, 10, 10))
    assert due.isoformat() == "2026-10-10T15:59:59"  # 23:59:59 Asia/Shanghai, stored as UTC


def test_months_land_on_a_working_day():
    assert due_date(date(2026, 8, 31), {"months": 1}) == date(2026, 9, 30)
    assert due_date(date(2026, 9, 1), {"months": 1}) == date(2026, 10, 8)  # 10-01 is a holiday


def test_year_without_official_data_falls_back_to_weekends():
    assert calendar.is_workday(date(2030, 1, 7)) and not calendar.is_workday(date(2030, 1, 5))


def test_spring_festival_2026():
    # 2026-02-14 (Sat) is a make-up working day; 02-15..23 are off.
    assert calendar.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)
    assert calendar.is_workday(date(2026, 2, 14)) and not calendar.is_workday(date(2026, 2, 23))


def test_overrides_decide_first_and_the_cli_shows_them(app, runner):
    out = runner.invoke(args=["calendar", "show", "2027-01"])
    assert out.exit_code == 0 and "no official calendar data for 2027" in out.output
    with app.app_context():
        assert calendar.is_workday(date(2027, 1, 1))  # a Friday, by the weekend fallback
    assert runner.invoke(args=["calendar", "set", "2027-01-01", "holiday", "元旦"]).exit_code == 0
    assert runner.invoke(args=["calendar", "set", "2027-01-02", "workday", "调休"]).exit_code == 0
    with app.app_context():
        assert not calendar.is_workday(date(2027, 1, 1)) and calendar.is_workday(date(2027, 1, 2))
        # a deadline counted over New Year 2027 now skips the holiday and uses the make-up Saturday
        assert calendar.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 4)
    out = runner.invoke(args=["calendar", "show", "2027-01"])
    assert "2027-01-01  holiday  override  元旦" in out.output and " 2班*" in out.output
    assert runner.invoke(args=["calendar", "set", "2027-01-02", "clear"]).exit_code == 0
    with app.app_context():
        assert not calendar.is_workday(date(2027, 1, 2))
    bad = runner.invoke(args=["calendar", "set", "2027-13-01", "holiday"])
    assert bad.exit_code == 2


def test_show_marks_official_holidays_and_make_up_days(runner, app):
    out = runner.invoke(args=["calendar", "show", "2026-10"])
    assert out.exit_code == 0 and "warning" not in out.output
    assert "2026-10-10  workday  official  National Day 调休上班" in out.output
    assert " 5休" in out.output and "10班" in out.output
