"""The main pages in the browser: each opens and renders whole (a full-page screenshot is taken),
another school's case is a 404, and a class teacher is not offered the
bureau's off-ramps. The cases shown are set up through the API (`bx`): these tests look at pages, the
walk in test_walkthrough.py is the one that moves a case by clicking."""
import pytest

from tests.browser.conftest import shot


# (name, who looks, the page; "{case}" is the richest case of sa_cases)
PAGES = [
    ("login", None, "/login"),
    ("work", "school_admin", "/work"),
    ("cases", "bureau", "/cases"),
    ("case", "school_admin", "/cases/{case}"),
    ("timeline", "supervisor", "/cases/{case}/timeline"),
    ("dashboard", "bureau", "/dashboard"),
    ("reports", "bureau", "/reports"),
    ("admin", "admin", "/admin"),
]


@pytest.mark.parametrize("name, who, path", PAGES, ids=[p[0] for p in PAGES])
def test_main_page_renders(page_as, sa_cases, name, who, path):
    page = page_as(who)
    path = path.format(case=sa_cases)
    response = page.goto(path)
    assert response.status == 200, (path, response.status, page.locator("main").inner_text()[:1000])
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("main h1").first.is_visible()
    assert shot(page)[:8] == b"\x89PNG\r\n\x1a\n"


def test_another_schools_case_is_not_found_for_its_admin(page_as, bx):
    case = bx.open()  # a case of school SA
    other = page_as("other_admin")  # 控辍专干 of school SB
    for path in (f"/cases/{case['id']}", f"/cases/{case['id']}/timeline"):
        response = other.goto(path)
        assert response.status == 404, path
        assert other.locator("main h1").inner_text() == "404"
        assert "学生1" not in other.content()
    assert other.goto(f"/cases/{case['id'] + 1000}").status == 404  # the same answer as a case that does not exist


def off_ramps(page) -> list[str]:
    return page.locator("#actions details[id^=action-close_]").evaluate_all("ds => ds.map(d => d.id)")


def test_a_class_teacher_is_not_offered_the_bureaus_off_ramps(page_as, bx):
    detected = bx.open()
    visiting = bx.case_in("visiting")
    teacher, bureau = page_as("teacher"), page_as("bureau")
    for case in (detected, visiting):
        teacher.goto(f"/cases/{case['id']}")
        assert teacher.locator("#actions details.action").count() >= 1  # the teacher has something to do
        assert off_ramps(teacher) == []
    bureau.goto(f"/cases/{detected['id']}")
    # enrolled elsewhere is offered only once a transfer of the pupil is accepted
    assert off_ramps(bureau) == ["action-close_false_alarm", "action-close_special_placement", "action-close_exempt"]
    bureau.goto(f"/cases/{visiting['id']}")
    assert "action-close_false_alarm" not in off_ramps(bureau) and len(off_ramps(bureau)) == 2
