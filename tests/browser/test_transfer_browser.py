"""A transfer accepted on the page by the receiving school's admin, in a real browser: the request waits
in their work list though the pupil is not theirs, they pick one of their classes, attach the signed
acceptance as an evidence file, and the case shows it accepted with the file listed."""
from app.auth.scope import unit_by_code

PDF = b"%PDF-1.4\n% the receiving school's signed acceptance\n%%EOF\n"


def test_the_receiving_school_admin_accepts_a_transfer_on_the_page(app, page_as, bx):
    with app.app_context():
        sb = unit_by_code("SB").id
    pupil = bx.pupil()
    transfer = bx.request_transfer(pupil, to_school_id=sb)
    admin = page_as("other_admin")
    admin.goto("/work")
    link = admin.locator(f"#waiting a[href='/cases/{transfer['id']}']")
    assert link.count() == 1
    with admin.expect_navigation():
        link.first.click()
    details = admin.locator("details#action-accept_transfer")
    details.locator("summary").click()
    form = details.locator("form")
    form.locator("select[name=class_id]").select_option(label="七年级2班")
    form.locator("input[type=file][name=files]").set_input_files(
        files=[{"name": "接收确认.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    with admin.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已完成" in admin.locator("main").inner_text()
    assert bx.case(transfer["id"])["state"] == "accepted"
    file_link = admin.locator("#records a", has_text="接收确认.pdf")
    assert file_link.count() == 1
    # the pupil is theirs now
    assert bx.get(f"/students/{pupil}", as_="other_admin").get_json()["class_name"] == "七年级2班"
