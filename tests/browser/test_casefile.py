"""The case page as a case file, in a real browser: every record by stage, a relapse on the stage bar,
the browser at the record a step made and at a refused form, and the PDF link."""
from tests.browser.test_walkthrough import TODAY, act
from tests.payloads import VALID
from tests.test_casefile import worked_case

SHORT = {"width": 1280, "height": 500}  # short enough that the actions are below the first screen


def in_viewport(page, selector: str) -> bool:
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= -2 && r.top < window.innerHeight; }")


def test_a_relapsed_case_shows_the_path_it_took(page_as, bx):
    case = worked_case(bx, relapse=True)
    page = page_as("school_admin")
    page.goto(f"/cases/{case['id']}")
    bar = page.locator("ol.stagebar")
    marker = bar.locator("li.return")
    assert marker.count() == 1 and "再次辍学" in marker.inner_text() and "劝返中" in marker.inner_text()
    assert bar.locator("[aria-current=step]").inner_text().strip() == "劝返中"
    assert "联合劝返" in bar.locator("li.earlier").all_inner_texts()[0]
    # the marker sits right after the stage the case left
    texts = [t.strip() for t in bar.locator("li").all_inner_texts()]
    assert texts[texts.index(marker.inner_text().strip()) - 1].startswith("已复学")
    # every record on the page, the second round of visits its own stage
    assert page.locator("#records .record").count() == len([e for e in bx.events(case["id"]) if e["data"].get("form")])
    assert "复学两周后再次缺课" in page.locator("#stage-visiting-2").inner_text()
    assert page.locator("#file-link").get_attribute("href") == f"/cases/{case['id']}/file.pdf"


def test_a_refused_form_comes_back_with_the_browser_at_the_form(page_as, bx):
    case = bx.open()
    page = page_as("school_admin")
    page.set_viewport_size(SHORT)
    page.goto(f"/cases/{case['id']}")
    # the last action of the list: below the first screen
    assert not in_viewport(page, "#action-add_note")
    act(page, "add_note", expect_status=422, text="")
    assert page.evaluate("window.scrollY") > 0 and in_viewport(page, "#action-add_note")
    assert page.locator("#action-add_note [data-field='text'].invalid").is_visible()


def test_after_a_step_the_browser_is_at_the_record_it_made(page_as, bx):
    case = bx.case_in("joint_return")
    bx.step(case["id"], "invite_partner", "bureau")
    page = page_as("school_admin")
    page.set_viewport_size(SHORT)
    page.goto(f"/cases/{case['id']}")
    act(page, "re_enroll", **dict(VALID["re_enroll"], return_date=TODAY))
    seq = next(e["seq"] for e in bx.events(case["id"]) if e["action"] == "re_enroll")
    assert page.url.endswith(f"#event-{seq}") and in_viewport(page, f"#event-{seq}")
    assert "返校日期" in page.locator(f"#event-{seq}").inner_text()


def test_a_stale_form_comes_back_at_the_form_saying_the_case_changed(page_as, bx):
    case = bx.open()
    page = page_as("school_admin")
    page.set_viewport_size(SHORT)
    page.goto(f"/cases/{case['id']}")
    bx.step(case["id"], "add_note", "teacher", text="有人先记了一条")  # someone else, meanwhile
    act(page, "add_note", expect_status=409, text="我写的备注")
    assert in_viewport(page, "#action-add_note")
    form = page.locator("#action-add_note")
    assert "已被他人修改" in form.inner_text() and form.locator("textarea[name=text]").input_value() == "我写的备注"
    assert form.locator("a[href='#stale']").is_visible()
