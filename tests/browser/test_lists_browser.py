"""The case list in a real browser: tick cases, assign them in one go (one engine step each, the results
listed per case), save the list's filter shared with the school and open it from another user's 工作台;
at 390 px the wider list scrolls inside itself."""
import re

from sqlalchemy import select

from app.auth.scope import unit_by_code
from app.extensions import db
from app.models import CaseAssignee, User


def test_bulk_assign_and_a_shared_saved_filter(app, bx, page_as):
    with app.app_context():
        db.session.execute(select(User).where(User.username == "leader")).scalar_one().display_name = "李组长"
        db.session.commit()
    a, b, c = bx.open(), bx.open(), bx.open()
    page = page_as("school_admin")
    page.goto("/cases")
    assert "SA中学" in page.inner_text("#case-table") and "七年级1班" in page.inner_text("#case-table")
    page.check(f"#pick-{a['id']}")
    page.check(f"#pick-{c['id']}")
    page.select_option("#bulk-username", "leader")
    page.select_option("#bulk-role", "grade_leader")
    with page.expect_navigation():
        page.click("#bulk-assign")
    assert page.locator("#bulk-results tr.done").count() == 2
    assert page.locator(f"#result-{a['id']}.done").count() == 1 and page.locator(f"#result-{b['id']}").count() == 0
    with app.app_context():
        got = {case_id for case_id, in db.session.execute(
            select(CaseAssignee.case_id).join(User, User.id == CaseAssignee.user_id)
            .where(User.username == "leader", CaseAssignee.role == "grade_leader"))}
    assert got == {a["id"], c["id"]}

    # the list filtered by 负责人 as the list shows them, sorted by the student column
    page.goto("/cases")
    page.fill("#filters input[name=assignee]", "李组")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    with page.expect_navigation():
        page.click("#sort-pupil")
    rows = re.findall(r"pick-(\d+)", page.inner_html("#case-table"))
    assert sorted(map(int, rows)) == sorted([a["id"], c["id"]])
    with app.app_context():
        sa = unit_by_code("SA").id
    page.fill("#filter-name", "李组长的个案")
    page.select_option("#filter-unit", str(sa))
    with page.expect_navigation():
        page.click("#save-filter-button")
    assert "/work" in page.url and "李组长的个案" in page.inner_text("#saved-filters")

    # the grade leader opens the shared filter from their 工作台: the same cases, their own scope
    leader = page_as("leader")
    leader.goto("/work")
    with leader.expect_navigation():
        leader.click("#saved-filters >> text=李组长的个案")
    assert "/cases" in leader.url and "assignee=" in leader.url and "sort=pupil" in leader.url
    rows = re.findall(r"pick-(\d+)", leader.inner_html("#case-table"))
    assert sorted(map(int, rows)) == sorted([a["id"], c["id"]])

    # a phone: the table scrolls inside its wrapper, its cells carry their column's label
    leader.set_viewport_size({"width": 390, "height": 844})
    wrap = leader.locator(".table-wrap").first
    assert wrap.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert leader.locator("#case-table td[data-label='学校']").count() == 2
