"""The class teacher's attendance page on a phone (390 px, Chromium): the class as a checklist, a tick
opens leave and reason for that pupil, saving records the day's absentees; nothing scrolls sideways and
every text meets WCAG AA contrast. The risk list fits the phone too."""
from sqlalchemy import select

from app.attendance import warning
from app.extensions import db
from app.models import Absence
from tests.attendance_helpers import FRI, THU, absent, at_evening
from tests.browser.test_every_page import CHECKS, problems_of

PHONE = {"width": 390, "height": 844}


def _fits(page, where):
    problems = problems_of(where, page.evaluate(CHECKS, {"contrast": True, "overflow": True}))
    assert not problems, "\n".join(problems)


def test_marking_todays_absentees_on_a_phone(app, bx, page_as):
    at_evening()
    first, second = bx.district.pupils[:2]
    page = page_as("teacher")
    page.set_viewport_size(PHONE)
    page.goto("/attendance")
    assert page.locator("#absentees li.pupil").count() == 8
    assert not page.locator(f"#pupil-{first} .details").is_visible()   # shown once ticked
    _fits(page, "/attendance")
    page.check(f"#absent-{first}")
    assert page.locator(f"#pupil-{first} .details").is_visible()
    page.fill(f"input[name=reason-{first}]", "电话联系不上")
    page.check(f"#absent-{second}")
    page.check(f"input[name=excused-{second}]")
    page.fill(f"input[name=reason-{second}]", "病假")
    _fits(page, "/attendance (two ticked)")
    with page.expect_navigation():
        page.click("#attendance-save")
    assert "已保存 2 名缺勤学生" in page.inner_text("main")
    assert page.locator(f"#absent-{first}").is_checked()   # the saved day, shown again
    with app.app_context():
        rows = sorted((a.pupil_id, a.day, a.excused, a.reason) for a in db.session.execute(select(Absence)).scalars())
        assert rows == [(first, FRI, False, "电话联系不上"), (second, FRI, True, "病假")]
    absent(bx, second, THU, excused=True, reason="病假")   # 2 of 20 school days: on the risk list
    with app.app_context():
        warning.run()
    page.goto("/risk")
    assert page.locator(f"#risk-{second}").is_visible() and "病假" in page.inner_text(f"#risk-{second}")
    _fits(page, "/risk")
