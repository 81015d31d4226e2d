"""One lockout for the login page and POST /api/v1/auth/token (per account and address), and the
Flask-Limiter limits on the token endpoint, exports and imports, on the real Redis; with Redis down
the lockout still holds (counted in the database) and logins go through."""
import re

import pytest

from app.auth.lockout import MAX_FAILURES
from tests.web import PASSWORD, Browser, set_passwords


def _token(client, username, password, **kw):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}, **kw)


def _page_login(b: Browser, username, password):
    return b.client.post("/login", data={"username": username, "password": password, "csrf_token": b.token()})


def test_sixty_wrong_passwords_then_the_right_one_is_refused_on_the_api(app, district):
    set_passwords(app, "teacher")
    client = app.test_client()
    codes = [_token(client, "teacher", f"guess-{i}").status_code for i in range(60)]
    assert codes[:MAX_FAILURES] == [401] * MAX_FAILURES and set(codes[MAX_FAILURES:]) == {429}
    r = _token(client, "teacher", PASSWORD)
    assert r.status_code == 429 and r.get_json()["error"] == "rate_limited"
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60


def test_a_lockout_earned_on_the_login_page_holds_on_the_api(app, district):
    set_passwords(app, "teacher")
    b = Browser(app)
    for _ in range(MAX_FAILURES):
        assert _page_login(b, "teacher", "not-it-at-all").status_code == 401
    r = _token(app.test_client(), "teacher", PASSWORD)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "retry_after" in r.get_json()


def test_a_lockout_earned_on_the_api_holds_on_the_login_page(app, district):
    set_passwords(app, "teacher")
    for _ in range(MAX_FAILURES):
        assert _token(app.test_client(), "teacher", "not-it-at-all").status_code == 401
    b = Browser(app)
    r = _page_login(b, "teacher", PASSWORD)
    assert r.status_code == 429 and "15 分钟" in r.get_data(as_text=True) and int(r.headers["Retry-After"]) > 0
    b.client.post("/language", data={"lang": "en", "csrf_token": b.token(), "next": "/login"})
    r = _page_login(b, "teacher", PASSWORD)
    assert r.status_code == 429 and "Too many failed logins" in r.get_data(as_text=True)
    # another account from the same address is not locked by this one's failures
    assert _token(app.test_client(), "leader", "whatever-wrong").status_code == 401


def test_the_token_endpoint_is_limited_per_address(app, district):
    app.config["BAOXUE_RATE_TOKEN"] = "3 per minute"
    set_passwords(app, "teacher", "leader", "bureau")
    client = app.test_client()
    for who in ("teacher", "leader", "bureau"):
        assert _token(client, who, PASSWORD).status_code == 201
    r = _token(client, "school_admin", PASSWORD)
    assert r.status_code == 429 and r.get_json()["error"] == "rate_limited"
    assert 0 < int(r.headers["Retry-After"]) <= 60
    other = _token(client, "teacher", PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 201


def test_exports_share_one_limit_per_user_on_pages(app, bx, redis_conn):
    app.config["BAOXUE_RATE_EXPORT"] = "2 per minute"
    case = bx.open()
    b = Browser(app, "bureau")
    assert b.get("/cases/export.xlsx").status_code == 200
    assert redis_conn.keys("LIMITS*export*")  # counted in the real Redis, not in this process
    assert b.get(f"/cases/{case['id']}/timeline.csv").status_code == 200
    r = b.get("/reports/district.csv")
    assert r.status_code == 429 and "请求过于频繁" in r.get_data(as_text=True)
    assert r.mimetype == "text/html" and 0 < int(r.headers["Retry-After"]) <= 60
    assert Browser(app, "school_admin").get("/cases/export.xlsx").status_code == 200  # per user
    b.post("/language", {"lang": "en", "next": "/work"})
    assert "too many requests" in b.get("/cases/export.xlsx").get_data(as_text=True)


def test_exports_and_imports_are_limited_on_the_api(app, bx):
    app.config["BAOXUE_RATE_EXPORT"] = "1 per minute"
    app.config["BAOXUE_RATE_IMPORT"] = "1 per minute"
    case = bx.open()
    assert bx.get(f"/cases/{case['id']}/timeline.csv").status_code == 200
    r = bx.get(f"/cases/{case['id']}/timeline.csv")
    assert r.status_code == 429 and r.get_json()["error"] == "rate_limited" and "Retry-After" in r.headers
    assert bx.get("/cases").status_code == 200  # other reads are not counted
    assert bx.post("/students/import", None, as_="school_admin").status_code == 422
    r = bx.post("/students/import", None, as_="school_admin")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


@pytest.fixture
def redis_down(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there


def test_with_redis_down_logins_go_through_and_the_lockout_still_holds_from_the_log(app, bx, redis_down):
    set_passwords(app, "teacher", "leader")
    assert _page_login(Browser(app), "leader", PASSWORD).status_code == 302  # nobody is locked out
    assert _token(app.test_client(), "leader", PASSWORD).status_code == 201
    for i in range(MAX_FAILURES):
        assert _token(app.test_client(), "teacher", f"guess-{i}").status_code == 401
    assert _token(app.test_client(), "teacher", PASSWORD).status_code == 429
    assert _page_login(Browser(app), "teacher", PASSWORD).status_code == 429
    assert _token(app.test_client(), "leader", "guess").status_code == 401  # only that account
    app.config["BAOXUE_RATE_EXPORT"] = "1 per minute"  # request limits let requests through meanwhile
    case = bx.open()
    for _ in range(3):
        assert bx.get(f"/cases/{case['id']}/timeline.csv").status_code == 200


def test_retry_after_is_a_number_of_seconds(app, district):
    for _ in range(MAX_FAILURES):
        _token(app.test_client(), "nobody", "x-wrong-guess")
    r = _token(app.test_client(), "nobody", "x-wrong-guess")
    assert re.fullmatch(r"\d+", r.headers["Retry-After"])
