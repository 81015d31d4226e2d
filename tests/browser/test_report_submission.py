"""The monthly submission on the page: the school admin fills in the figures and submits, then sees the
frozen version with its hash, and its printable 月报表 at a phone's width."""
from tests.district import TODAY


def test_school_admin_submits_and_sees_the_frozen_version(page_as, app, bx):
    with app.app_context():
        from app.auth.scope import unit_by_code
        school = unit_by_code("SA").id
    case = bx.post("/cases", {"workflow": "school_report", "school_id": school, "month": TODAY[:7]},
                   as_="school_admin").get_json()
    page = page_as("school_admin")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/cases/{case['id']}")
    page.click("#action-submit_report summary")
    form = page.locator("#action-submit_report form")
    form.locator("[name=enrolled]").fill("900")
    form.locator("[name=dropouts_found]").fill("1")
    form.locator("[name=returned]").fill("0")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    [v] = bx.get(f"/cases/{case['id']}/report-versions").get_json()["versions"]
    row = page.locator("#report-versions #version-1")
    assert v["sha256"] in row.inner_text()
    with page.expect_navigation():
        row.locator("a").click()
    assert page.locator("#report-sha256").inner_text() == v["sha256"]
    assert page.locator("#checkpoint-hmac").inner_text() == v["checkpoint_hmac"]
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
