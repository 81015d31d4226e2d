"""A class teacher logs a home visit where there is no signal (the browser's offline mode): the form's
draft is kept on the phone as it is typed, the submit is queued, the page opens again offline (the
service worker) with the draft in it, and when the connection returns the visit is sent — once: the
case has one home-visit record, and the same post replayed is answered as done, still one."""
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import ActionKey, CaseEvent
from tests.browser.test_every_page import PHONE
from tests.district import app_today

FORM = "#action-log_visit form"
STATUS = f"{FORM} .draft-status"


def visits(app, case_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CaseEvent)
                                 .where(CaseEvent.case_id == case_id, CaseEvent.action == "log_visit"))


def type_visit(page) -> None:
    page.click("#action-log_visit > summary")
    page.fill(f"{FORM} [name=visited_on]", app_today())
    page.fill(f"{FORM} [name=visitors]", "班主任、村干部")
    page.fill(f"{FORM} [name=met_with]", "学生祖母")
    page.fill(f"{FORM} [name=content]", "在村口见到祖母，宣传义务教育法")
    page.select_option(f"{FORM} [name=outcome]", "failed")


def test_the_service_worker_is_served_from_the_root_as_javascript(page_as):
    page = page_as(None)
    r = page.request.get("/sw.js")
    assert r.status == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "const SHELL = [" in r.text() and "/static/baoxue.css" in r.text()
    assert "http" not in r.text().split("const SHELL", 1)[1].split(";", 1)[0]  # nothing from elsewhere


def test_a_home_visit_typed_offline_is_queued_kept_and_sent_once(app, page_as, bx):
    case = bx.case_in("visiting")
    page = page_as("teacher")
    page.set_viewport_size(PHONE)
    page.goto(f"/cases/{case['id']}")
    page.wait_for_selector("html[data-offline-ready]")  # the worker keeps this page on the phone
    type_visit(page)
    assert page.locator(STATUS).inner_text() == "草稿已保存在本机"

    page.context.set_offline(True)  # the village: no signal
    page.click(f"{FORM} button[type=submit]")
    assert page.locator(STATUS).inner_text() == "已离线排队，恢复网络后自动发送"
    assert visits(app, case["id"]) == 0

    page.reload()  # still offline: the worker serves the kept page, the draft is still there
    assert page.locator("#action-log_visit").get_attribute("open") is not None
    assert page.locator(f"{FORM} [name=content]").input_value() == "在村口见到祖母，宣传义务教育法"
    assert page.locator(f"{FORM} [name=outcome]").input_value() == "failed"
    assert page.locator(STATUS).inner_text() == "已离线排队，恢复网络后自动发送"
    assert visits(app, case["id"]) == 0

    page.context.set_offline(False)  # back in signal: the queue is sent
    page.wait_for_selector(f"{STATUS}[data-state=sent]")
    assert page.locator(STATUS).inner_text() == "已发送"
    assert visits(app, case["id"]) == 1
    with app.app_context():
        key = db.session.execute(select(ActionKey.client_key).where(ActionKey.case_id == case["id"])).scalar_one()
    event = bx.get(f"/cases/{case['id']}/timeline").get_json()
    assert [e["action"] for e in event["events"]].count("log_visit") == 1

    # the same post again (another tab's queue, a retry): answered as done, still one visit
    page.goto(f"/cases/{case['id']}")
    token = page.locator("input[name=csrf_token]").first.input_value()
    r = page.request.post(f"/cases/{case['id']}/actions/log_visit", form={
        "csrf_token": token, "version": str(case["version"]), "client_key": key, "visited_on": app_today(),
        "visitors": "班主任", "met_with": "学生祖母", "content": "重放", "outcome": "failed"})
    assert r.status == 200 and "未重复记录" in r.text()
    assert visits(app, case["id"]) == 1
    # the draft is gone: the form is empty again, with a new key
    assert page.locator(f"{FORM} [name=content]").input_value() == ""
    assert page.locator(f"{FORM} [name=client_key]").input_value() != key
    assert re.fullmatch(r"[0-9a-f-]{36}", page.locator(f"{FORM} [name=client_key]").input_value())


def test_a_draft_survives_a_reload_and_goes_once_sent_online(app, page_as, bx):
    case = bx.case_in("visiting")
    page = page_as("teacher")
    page.goto(f"/cases/{case['id']}")
    type_visit(page)
    page.reload()  # the phone's browser was closed: the draft comes back, the form open
    assert page.locator(f"{FORM} [name=met_with]").input_value() == "学生祖母"
    assert page.locator(STATUS).inner_text() == "草稿已保存在本机"
    with page.expect_navigation():
        page.click(f"{FORM} button[type=submit]")
    assert visits(app, case["id"]) == 1
    page.click("#action-log_visit > summary")
    assert page.locator(f"{FORM} [name=met_with]").input_value() == ""  # sent: the draft is gone
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('baoxue-draft:'))") == []
