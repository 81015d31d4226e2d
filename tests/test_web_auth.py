"""Logging in and out of the web application: sessions, CSRF, rate limit, safe redirects."""
import pytest

from tests.web import PASSWORD, Browser, set_passwords


@pytest.fixture
def browser(app, district):
    return Browser(app)


def test_login_page_is_chinese_and_a_good_password_opens_my_work(browser):
    page = browser.text("/login")
    assert "登录" in page and 'name="csrf_token"' in page
    r = browser.login("teacher")
    assert r.headers["Location"].endswith("/work")
    assert "工作台" in browser.text("/work")


def test_session_cookie_is_httponly_and_samesite(app, district):
    b = Browser(app)
    set_passwords(app, "teacher")
    r = b.client.post("/login", data={"username": "teacher", "password": PASSWORD, "csrf_token": b.token()})
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_is_401_with_a_message_and_no_session(browser):
    set_passwords(browser.app, "teacher")
    r = browser.client.post("/login", data={"username": "teacher", "password": "nope", "csrf_token": browser.token()})
    assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    assert browser.get("/work").status_code == 302  # still not logged in


def test_login_without_csrf_token_is_refused(browser):
    set_passwords(browser.app, "teacher")
    r = browser.client.post("/login", data={"username": "teacher", "password": PASSWORD})
    assert r.status_code == 400 and "表单已过期" in r.get_data(as_text=True)


def test_pages_need_a_login(browser):
    for url in ("/work", "/cases", "/cases/1", "/cases/new", "/dashboard", "/admin"):
        r = browser.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


def test_failed_logins_are_rate_limited_then_even_the_right_password_waits(browser, redis_conn):
    set_passwords(browser.app, "teacher")
    for _ in range(5):
        r = browser.client.post("/login", data={"username": "teacher", "password": "x" * 9,
                                                "csrf_token": browser.token()})
        assert r.status_code == 401
    r = browser.client.post("/login", data={"username": "teacher", "password": PASSWORD, "csrf_token": browser.token()})
    assert r.status_code == 429 and "15 分钟" in r.get_data(as_text=True)
    # another account from the same address is not locked by this one's failures
    set_passwords(browser.app, "leader")
    r = browser.client.post("/login", data={"username": "leader", "password": PASSWORD, "csrf_token": browser.token()})
    assert r.status_code == 302


def test_login_redirects_only_within_the_site(browser):
    set_passwords(browser.app, "teacher")
    for target in ("//evil.example/x", "https://evil.example/", "/cases"):
        b = Browser(browser.app)
        r = b.client.post(f"/login?next={target}", data={"username": "teacher", "password": PASSWORD,
                                                          "csrf_token": b.token()})
        assert r.headers["Location"] == ("/cases" if target == "/cases" else "/work"), target


def test_logout_ends_the_session_and_keeps_the_language(app, district):
    b = Browser(app, "teacher")
    b.post("/language", {"lang": "en", "next": "/work"})
    assert "My work" in b.text("/work")
    r = b.post("/logout")
    assert r.status_code == 302 and b.get("/work").status_code == 302
    assert 'lang="en"' in b.text("/login")


def test_a_deactivated_users_session_stops_working(app, district):
    from app.extensions import db
    from app.models import User
    b = Browser(app, "teacher")
    assert b.get("/work").status_code == 200
    with app.app_context():
        db.session.execute(db.update(User).where(User.username == "teacher").values(active=False))
        db.session.commit()
    assert b.get("/work").status_code == 302


def test_switching_language_on_a_refused_form_returns_to_the_page_it_was_on(app, bx):
    case = bx.open()
    b = Browser(app, "school_admin")
    r = b.post(f"/cases/{case['id']}/actions/report", {"version": "1"},
               headers={"Referer": f"http://localhost/cases/{case['id']}"})
    assert r.status_code == 422
    assert f'name="next" value="/cases/{case["id"]}"' in r.get_data(as_text=True)
    r = b.post("/language", {"lang": "en", "next": f"/cases/{case['id']}"})
    assert r.headers["Location"] == f"/cases/{case['id']}"
