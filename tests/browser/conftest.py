"""Browser fixtures: the test `app` served on a real port, a real Chromium driven by Playwright, and a
logged-in page per user.

Chromium: BAOXUE_CHROMIUM, else `chromium` / `chromium-browser` / `google-chrome` on the PATH (Playwright
never downloads a browser here). Without one every browser test is skipped, saying how to get one.
The README's screenshots come from docs/make_screenshots.py (the demo district), not from these tests.
"""
import os
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser import chromium
from tests.district import USERS
from tests.web import PASSWORD, set_passwords

VIEWPORT = {"width": 1280, "height": 800}


def chromium_path() -> str:
    try:
        found = chromium.find()
    except chromium.BadChromium as e:
        pytest.fail(str(e))
    if found:
        return found
    if os.environ.get("BAOXUE_REQUIRE_BROWSER"):  # CI: a browser test that cannot run is a failure
        pytest.fail(chromium.NO_CHROMIUM)
    pytest.skip(chromium.NO_CHROMIUM)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def passwords(app, district):
    """Every user of the test district gets PASSWORD (they have none: the API tests use tokens)."""
    set_passwords(app, *USERS)


class QuietHandler(WSGIRequestHandler):
    """No access log line per request (a failing test's output is long enough); errors still show."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture
def live_server(app, district, passwords):
    """The same app object (so the same database) behind a real HTTP server in a daemon thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def page_as(browser, live_server):
    """page_as("teacher") -> a Playwright page in a fresh browser context, logged in through /login;
    page_as(None) -> a fresh page that has not logged in (it is on /login)."""
    contexts = []

    def login(username: str | None, password: str = PASSWORD):
        context = browser.new_context(base_url=live_server, viewport=VIEWPORT, locale="zh-CN")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        if username is None:
            return page
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        assert "/login" not in page.url, f"{username} could not log in: {page.inner_text('main')}"
        return page

    yield login
    for context in contexts:
        context.close()


def shot(page) -> bytes:
    """A full-page PNG of the page at 1280×800: the page renders whole in a real browser."""
    page.set_viewport_size(VIEWPORT)
    return page.screenshot(full_page=True, animations="disabled")


@pytest.fixture
def sa_cases(bx):
    """Cases of school SA at every stage (so every list, chart and report part has rows); the id of the
    richest one (in joint return, verified, with a partner's joint action)."""
    rich = bx.case_in("joint_return")
    bx.step(rich["id"], "verify", "bureau")
    bx.step(rich["id"], "invite_partner", "bureau")
    bx.step(rich["id"], "log_joint_action", "bureau", department="education_bureau", action="教育局约谈家长")
    bx.step(rich["id"], "log_joint_action", "partner")
    bx.case_in("detected")
    bx.case_in("reported")
    bx.case_in("visiting")
    back = bx.case_in("re_enrolled")
    bx.log_follow_up(back["id"], "two_weeks")
    closed = bx.open()
    bx.step(closed["id"], "close_false_alarm", "bureau")
    return rich["id"]
