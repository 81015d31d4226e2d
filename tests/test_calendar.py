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
