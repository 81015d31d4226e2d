"""Browser fixtures: the test `app` served on a real port, a real Chromium driven by Playwright, and a
logged-in page per user.

Chromium: BAOXUE_CHROMIUM, else `chromium` / `chromium-browser` / `google-chrome` on the PATH (Playwright
never downloads a browser here). Without one every browser test is skipped, saying how to get one.
Screenshots for the README are written to docs/screenshots/ only with BAOXUE_SCREENSHOTS=1.
"""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

PASSWORD = "browser-test-password"
VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NO_CHROMIUM = "no Chromium found: apt-get install chromium fonts-wqy-microhei"


def chromium_path() -> str | None:
    given = os.environ.get("BAOXUE_CHROMIUM")
    if given:
        if not os.access(given, os.X_OK):  # a configuration mistake, not a missing browser
            pytest.fail(f"BAOXUE_CHROMIUM={given} is not an executable file")
        return given
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("BAOXUE_REQUIRE_BROWSER"):  # CI: a browser test that cannot run is a failure
        pytest.fail(NO_CHROMIUM)
    pytest.skip(NO_CHROMIUM)


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
    from app.auth.passwords import hash_password
    from app.extensions import db
    from app.models import User
    with app.app_context():
        hashed = hash_password(PASSWORD)
        for user in db.session.query(User):
            user.password_hash = hashed
        db.session.commit()


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


def shot(page, name: str) -> bytes:
    """A full-page PNG of the page at 1280×800: always rendered, written to docs/screenshots/<name>.png
    only when BAOXUE_SCREENSHOTS=1 (so the test run does not dirty the tree)."""
    page.set_viewport_size(VIEWPORT)
    png = page.screenshot(full_page=True, animations="disabled")
    if os.environ.get("BAOXUE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(png)
    return png
