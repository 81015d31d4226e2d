"""Sessions that end: logout and a password change end every session of the user (cookies replayed
afterwards open nothing), an idle session ends and the form being posted is given back after the
new login, and the password change page."""
from datetime import timedelta

import pytest

from app import clock
from tests.payloads import VALID
from tests.web import PASSWORD, TOKEN, Browser, form_fields, set_passwords


@pytest.fixture
def idle_30(app):
    app.config["BAOXUE_IDLE_MINUTES"] = 30  # the default (the suite's fixture sets it out of the way)


def _cookies(b: Browser) -> dict:
    return {name: b.client.get_cookie(name).value for name in ("session", "remember_token")
            if b.client.get_cookie(name) is not None}


def _replay(app, cookies: dict) -> Browser:
    other = Browser(app)
    for name, value in cookies.items():
        other.client.set_cookie(name, value)
    return other


def _login(b: Browser, username: str, remember=False, url="/login"):
    set_passwords(b.app, username)
    data = {"username": username, "password": PASSWORD, "csrf_token": b.token()}
    if remember:
        data["remember"] = "y"
    return b.client.post(url, data=data)


def test_the_default_idle_time_and_token_lifetime(tmp_path, monkeypatch):
    from app import create_app
    monkeypatch.delenv("BAOXUE_IDLE_MINUTES", raising=False)
    monkeypatch.delenv("BAOXUE_TOKEN_DAYS", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["BAOXUE_IDLE_MINUTES"] == 30 and app.config["BAOXUE_TOKEN_DAYS"] == 30


def test_replaying_the_session_cookie_after_logout_opens_nothing(app, district):
    b = Browser(app, "teacher")
    assert b.get("/work").status_code == 200
    stolen = _cookies(b)
    assert b.post("/logout").status_code == 302
    r = _replay(app, stolen).get("/work")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_replaying_the_remember_me_cookie_after_logout_opens_nothing(app, district):
    b = Browser(app)
    assert _login(b, "teacher", remember=True).status_code == 302
    remember = {"remember_token": b.client.get_cookie("remember_token").value}
    assert _replay(app, remember).get("/work").status_code == 200  # it does work before the logout
    b.post("/logout")
    r = _replay(app, remember).get("/work")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_logout_ends_the_users_sessions_on_other_computers_too(app, district):
    office, home = Browser(app, "teacher"), Browser(app, "teacher")
    office.post("/logout")
    assert home.get("/work").status_code == 302


def test_an_idle_session_ends_and_its_old_cookie_stays_dead(app, district, idle_30):
    b = Browser(app, "teacher")
    clock.shift(timedelta(minutes=29))
    assert b.get("/work").status_code == 200  # activity keeps it alive
    stolen = _cookies(b)
    clock.shift(timedelta(minutes=31))
    r = b.get("/work")
    assert r.status_code == 302 and "/login" in r.headers["Location"] and "expired=1" in r.headers["Location"]
    assert "请重新登录" in b.text(r.headers["Location"])
    assert b.get("/work").status_code == 302
    assert _replay(app, stolen).get("/work").status_code == 302
    from app.extensions import db
    from app.models import AuthEvent
    with app.app_context():
        assert db.session.execute(db.select(AuthEvent.action).where(AuthEvent.action == "idle_expired")).all()


def test_a_remember_me_cookie_does_not_outlive_the_idle_time(app, district, idle_30):
    b = Browser(app)
    _login(b, "teacher", remember=True)
    remember = {"remember_token": b.client.get_cookie("remember_token").value}
    clock.shift(timedelta(minutes=10))
    assert _replay(app, remember).get("/work").status_code == 200  # a closed browser, back soon
    clock.shift(timedelta(minutes=31))
    assert _replay(app, remember).get("/work").status_code == 302


def test_a_form_posted_into_an_idle_session_is_kept_and_shown_filled_after_the_new_login(app, bx, idle_30):
    case = bx.open()
    b = Browser(app, "school_admin")
    page = b.text(f"/cases/{case['id']}")
    token = TOKEN.search(page).group(1)
    clock.shift(timedelta(minutes=45))
    data = form_fields(dict(VALID["report"], reason_analysis="父母外出务工, 孩子由祖母照看"))
    data.update({"version": "1", "seen_seq": "0", "csrf_token": token})
    r = b.client.post(f"/cases/{case['id']}/actions/report", data=data,
                      headers={"Referer": f"http://localhost/cases/{case['id']}"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert bx.case(case["id"])["state"] == "detected"  # nothing was done with the expired post
    r = _login(b, "school_admin", url=r.headers["Location"])
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{case['id']}"
    page = b.text(r.headers["Location"])
    assert "父母外出务工, 孩子由祖母照看" in page and 'value="learning" checked' in page
    assert 'open>' in page.split('id="action-report"')[1][:40]
    assert "父母外出务工, 孩子由祖母照看" not in b.text(f"/cases/{case['id']}")  # handed back once


def test_a_kept_form_is_not_handed_to_someone_else(app, bx, idle_30):
    case = bx.open()
    b = Browser(app, "school_admin")
    token = TOKEN.search(b.text(f"/cases/{case['id']}")).group(1)
    clock.shift(timedelta(minutes=45))
    data = form_fields(dict(VALID["report"], reason_analysis="只给本人看"))
    data.update({"version": "1", "csrf_token": token})
    r = b.client.post(f"/cases/{case['id']}/actions/report", data=data)
    _login(b, "bureau", url=r.headers["Location"])
    assert "只给本人看" not in b.text(f"/cases/{case['id']}")


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(app, district):
    set_passwords(app, "teacher")
    here, elsewhere = Browser(app, "teacher"), Browser(app, "teacher")
    page = here.text("/account/password")
    assert "当前密码" in page and "再次输入新密码" in page
    r = here.post("/account/password", {"current_password": PASSWORD, "new_password": "a-much-better-one",
                                        "new_password_again": "a-much-better-one"})
    assert r.status_code == 302
    assert here.get("/work").status_code == 200
    assert elsewhere.get("/work").status_code == 302
    fresh = Browser(app)
    r = fresh.client.post("/login", data={"username": "teacher", "password": "a-much-better-one",
                                          "csrf_token": fresh.token()})
    assert r.status_code == 302


@pytest.mark.parametrize("current,new,again,field,message", [
    ("wrong-password", "a-much-better-one", "a-much-better-one", "current_password", "当前密码不正确"),
    (PASSWORD, "a-much-better-one", "a-much-better-two", "new_password_again", "两次输入的新密码不一致"),
    (PASSWORD, "short", "short", "new_password", "至少 10 个字符"),
    (PASSWORD, "password123", "password123", "new_password", "过于常见"),
    (PASSWORD, "teacher", "teacher", "new_password", "不能与用户名相同"),
])
def test_a_refused_password_change_names_the_field(app, district, current, new, again, field, message):
    b = Browser(app, "teacher")
    r = b.post("/account/password", {"current_password": current, "new_password": new, "new_password_again": again})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in page.split(f'data-field="{field}"')[1].split("</div>")[0]
    assert b.get("/work").status_code == 200  # still logged in, password unchanged
