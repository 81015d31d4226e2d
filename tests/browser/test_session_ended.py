"""Two tabs of one browser: text typed into a case's action form in tab A survives a logout in tab B —
sending it leads to the login page with a message, and after the login the case page is back with the
form open and the text in it; a different user logging in there does not get the text."""
from tests.web import PASSWORD

TEXT = "父母外出务工，孩子由祖母照看，已电话联系"


def _type_then_logout_in_the_other_tab(page_as, case_id):
    tab_a = page_as("school_admin")
    tab_b = tab_a.context.new_page()
    tab_a.goto(f"/cases/{case_id}")
    tab_b.goto("/work")
    details = tab_a.locator("details#action-report")
    details.locator("summary").click()
    details.locator("textarea[name=reason_analysis]").fill(TEXT)
    with tab_b.expect_navigation():
        tab_b.click("#logout")
    assert "/login" in tab_b.url
    with tab_a.expect_navigation():
        details.locator("button[type=submit]").click()
    assert "/login" in tab_a.url
    return tab_a


def _log_in(page, username):
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def test_typed_text_survives_a_logout_in_another_tab(page_as, bx):
    case = bx.open()
    tab_a = _type_then_logout_in_the_other_tab(page_as, case["id"])
    assert "刚才填写的内容会在登录后恢复" in tab_a.locator("#session-ended").inner_text()
    _log_in(tab_a, "school_admin")
    assert tab_a.url.split("#")[0].endswith(f"/cases/{case['id']}")  # at the form (#action-…)
    details = tab_a.locator("details#action-report")
    assert details.get_attribute("open") is not None
    assert details.locator("textarea[name=reason_analysis]").input_value() == TEXT
    assert bx.case(case["id"])["state"] == "detected"  # kept, not sent: the user sends it again


def test_another_user_logging_in_does_not_get_the_text(page_as, bx):
    case = bx.open()
    tab_a = _type_then_logout_in_the_other_tab(page_as, case["id"])
    _log_in(tab_a, "bureau")  # in scope of the case, but not the one who typed
    assert tab_a.url.split("#")[0].endswith(f"/cases/{case['id']}")  # at the form (#action-…)
    assert TEXT not in tab_a.content()
