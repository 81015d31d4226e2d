"""In the browser: the header's unread counter and the notices page (tick two, mark them read; filter by
kind; mark all that match), and an admin's password reset followed by the user's forced change."""
from tests.test_notices_page import _seed


def _count(page) -> int:
    return int(page.locator("#unread-count").inner_text())


def test_the_notices_page_marks_the_ticked_and_all_matching(page_as, app, bx):
    _seed(app, bx)
    page = page_as("bureau")
    assert _count(page) == 34
    page.click("#notices-link")
    assert page.url.endswith("/notices")
    page.check("text=只看未读")
    with page.expect_navigation():
        page.click("#notice-filters button[type=submit]")
    boxes = page.locator("#notices-table input[name=ids]")
    assert boxes.count() == 30  # a page
    boxes.nth(0).check()
    boxes.nth(1).check()
    with page.expect_navigation():
        page.click("#read-selected")
    assert "unread=1" in page.url and _count(page) == 32
    assert "已标为已读：2 条" in page.locator("main").inner_text()
    page.select_option("#notice-filters select[name=kind]", "escalated")
    with page.expect_navigation():
        page.click("#notice-filters button[type=submit]")
    left = _count(page)
    shown = page.locator("#notices-table tbody tr.unread").count()
    with page.expect_navigation():
        page.click("#read-matching")
    assert _count(page) == left - shown and page.locator("#notices-table tbody tr.unread").count() == 0
    page.goto("/work")
    assert page.locator("#all-notices").inner_text() == "全部通知 (40)"


def test_an_admin_reset_forces_a_change_at_the_next_login(page_as):
    admin = page_as("admin")
    admin.goto("/admin/users")
    admin.locator("#user-teacher a.reset-password").click()
    with admin.expect_navigation():
        admin.click("#do-reset")
    temporary = admin.locator("#temporary-password").input_value()
    assert len(temporary) == 14
    teacher = page_as("teacher", temporary)
    assert "/account/password" in teacher.url
    assert "管理员已重置您的密码" in teacher.locator("#password-change-required").inner_text()
    teacher.goto("/cases")
    assert "/account/password" in teacher.url  # every page leads back until changed
    teacher.fill("input[name=current_password]", temporary)
    teacher.fill("input[name=new_password]", "short")
    teacher.fill("input[name=new_password_again]", "short")
    with teacher.expect_navigation():
        teacher.click("#password-form button")
    assert "至少 10 个字符" in teacher.locator("[data-field=new_password]").inner_text()
    teacher.fill("input[name=current_password]", temporary)
    teacher.fill("input[name=new_password]", "teacher-own-secret-26")
    teacher.fill("input[name=new_password_again]", "teacher-own-secret-26")
    with teacher.expect_navigation():
        teacher.click("#password-form button")
    assert teacher.url.endswith("/cases")
    assert "密码已修改" in teacher.locator("main").inner_text()
