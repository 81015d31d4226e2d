"""Help in a real browser: a field's help is read out with the field (aria-describedby names the text
shown under it), the header leads to the help page, a badge leads to its explanation, and the help pages
fit a phone's width."""
from datetime import timedelta

from app import clock
from tests.test_field_help import VISIT_DATE_ZH
from tests.test_web_notices import NOW, overdue_notices

DESCRIPTION = """el => (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
                      .map(id => document.getElementById(id).textContent.trim()).join(' ')"""


def test_a_field_s_help_is_under_it_and_read_out_with_it(page_as, bx):
    case = bx.case_in("visiting")
    teacher = page_as("teacher")
    teacher.goto(f"/cases/{case['id']}")
    teacher.click("#action-log_visit summary")
    date_input = teacher.locator("#action-log_visit input[name=visited_on]")
    assert date_input.evaluate(DESCRIPTION) == VISIT_DATE_ZH
    help_box = teacher.locator("#log_visit-visited_on-help")
    assert help_box.is_visible()
    assert help_box.bounding_box()["y"] >= date_input.bounding_box()["y"] + date_input.bounding_box()["height"] - 1


def test_the_header_link_leads_to_help_and_fits_a_phone(page_as, district):
    teacher = page_as("teacher")
    teacher.goto("/work")
    with teacher.expect_navigation():
        teacher.click("#nav-help")
    assert teacher.url.endswith("/help") and teacher.locator("#level-1").is_visible()
    teacher.set_viewport_size({"width": 390, "height": 844})
    for path in ("/help", "/help/class_teacher", "/help/bureau_officer"):
        teacher.goto(path)
        assert teacher.evaluate("document.documentElement.scrollWidth") <= 390, path


def test_an_l1_badge_leads_to_what_l1_means(page_as, app, bx):
    overdue_notices(app, bx)
    clock.freeze(NOW + timedelta(days=7))
    bureau = page_as("bureau")
    bureau.goto("/work")
    badge = bureau.locator("#deadlines a.badge-link[href='/help#level-1']").first
    assert "升级级别 1" in badge.locator("span").get_attribute("title")
    with bureau.expect_navigation():
        badge.click()
    assert bureau.url.endswith("/help#level-1")
    with bureau.expect_navigation():
        bureau.go_back()
    bureau.locator("#deadlines a.badge-link[href='/help#working-days']").first.click()
    bureau.wait_for_url("**/help#working-days")
