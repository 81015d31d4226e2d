"""The mismatch review in a real browser: the bureau officer runs the comparison, opens a mismatch of a
child not on the roster, is refused without a visitor, sends the visit, then dismisses another mismatch
with a reason and evidence; at 390 px the page does not scroll sideways."""

from sqlalchemy import select

from app.extensions import db
from app.models import AdminEvent, Case, Mismatch
from tests.registers_helpers import household_csv, poverty_csv, upload


def test_review_and_dismiss_a_mismatch(app, bx, page_as):
    for register, data in (("household", household_csv()), ("poverty", poverty_csv())):
        assert upload(bx, register, data).status_code == 200
    page = page_as("bureau")
    page.goto("/registers")
    with page.expect_navigation():
        page.click("#compare-button")
    assert "未入学儿童" in page.inner_text("#mismatches")
    with app.app_context():
        child = db.session.scalar(select(Mismatch).where(Mismatch.kind == "not_enrolled"))
        poor = db.session.scalar(select(Mismatch).where(Mismatch.kind == "poverty_dropout", Mismatch.pupil_id.is_(None)))
        child_id, poor_id = child.id, poor.id
    with page.expect_navigation():
        page.click(f"#mismatch-{child_id} a")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 768})
    with page.expect_navigation():
        page.click("#review-button")  # no visitor named: refused beside the field
    assert page.locator("#review-form .field.invalid").count() == 1
    page.fill("#review-visitor", "上寨村 村主任 李明")
    with page.expect_navigation():
        page.click("#review-button")
    assert "/cases/" in page.url
    with app.app_context():
        case = db.session.get(Case, db.session.get(Mismatch, child_id).case_id)
        assert case.source == "registry" and case.closed_at is None

    page.goto(f"/registers/mismatches/{poor_id}")
    page.select_option("#dismiss-reason", "enrolled_outside")
    page.fill("#dismiss-evidence", "在贵阳市某小学就读, 电话核实")
    with page.expect_navigation():
        page.click("#dismiss-button")  # a receipt number is needed for a child enrolled outside
    assert page.locator('#dismiss-form .field.invalid[data-field="receipt_no"]').count() == 1
    page.fill("#dismiss-receipt_no", "HZ-2026-0042")
    with page.expect_navigation():
        page.click("#dismiss-button")
    assert page.get_attribute("#mismatch-status", "data-status") == "dismissed"
    with app.app_context():
        actions = {e.action for e in db.session.scalars(select(AdminEvent))}
        assert {"mismatch_case_opened", "mismatch_dismissed"} <= actions
    page.goto("/registers/visits")
    assert "上寨村 村主任 李明" in page.inner_text("main")
