"""An admin's password reset (the users page and `baoxue users reset-password`): a temporary password
shown once, the user's sessions ended, a change forced at the next login — every page leads to the change
page until then, the API issues no token (403 password_change_required) — and the admin-event log records
the reset, never the password. The self-service change's refusals name their field and change nothing."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AdminEvent, AuthEvent, User
from tests.web import PASSWORD, TOKEN, Browser

TEMP = re.compile(r'id="temporary-password" value="([^"]+)"')
NEW = "my-own-new-secret-26"


def _user(app, username) -> User:
    with app.app_context():
        return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _login(app, username, password):
    b = Browser(app)
    r = b.client.post("/login?next=/cases", data={"username": username, "password": password, "csrf_token": b.token()})
    return b, r


def _change(b: Browser, data: dict, url="/account/password?next=/cases"):
    """Post the change page's form (the only page that opens, so its own token)."""
    token = TOKEN.search(b.text("/account/password")).group(1)
    return b.client.post(url, data={**data, "csrf_token": token})


def _reset_on_the_page(app, username="teacher") -> tuple[str, Browser]:
    admin = Browser(app, "admin")
    uid = _user(app, username).id
    page = admin.text(f"/admin/users/{uid}/password")  # the GET only explains and offers the button
    assert 'id="do-reset"' in page and "temporary-password" not in page and not _user(app, username).must_change_password
    r = admin.post(f"/admin/users/{uid}/password")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    return TEMP.search(r.get_data(as_text=True)).group(1), admin


def test_the_admin_resets_and_the_user_must_change_at_the_next_login(app, bx):
    teacher = Browser(app, "teacher")
    temporary, admin = _reset_on_the_page(app)
    assert teacher.get("/work").status_code == 302                         # their session ended
    assert _login(app, "teacher", PASSWORD)[1].status_code == 401            # the old password is gone
    b, r = _login(app, "teacher", temporary)
    assert r.status_code == 302 and r.headers["Location"] == "/cases"
    for url in ("/cases", "/work", "/notices", f"/cases/{bx.open()['id']}"):
        r = b.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/account/password"), url
    page = b.text("/account/password?next=/cases")
    assert "管理员已重置您的密码" in page
    # the API: no token for a temporary password
    r = app.test_client().post("/api/v1/auth/token", json={"username": "teacher", "password": temporary})
    assert r.status_code == 403 and r.get_json()["error"] == "password_change_required"
    # keeping the temporary one is refused beside the field
    r = _change(b, {"current_password": temporary, "new_password": temporary, "new_password_again": temporary})
    assert r.status_code == 422 and "新密码不能与当前密码相同" in r.get_data(as_text=True).split('data-field="new_password"')[1].split("</div>")[0]
    r = _change(b, {"current_password": temporary, "new_password": NEW, "new_password_again": NEW})
    assert r.status_code == 302 and r.headers["Location"] == "/cases"
    assert b.get("/cases").status_code == 200 and not _user(app, "teacher").must_change_password
    r = app.test_client().post("/api/v1/auth/token", json={"username": "teacher", "password": NEW})
    assert r.status_code == 201


def test_the_reset_is_in_the_admin_event_log_and_never_the_password(app, district):
    temporary, admin = _reset_on_the_page(app)
    with app.app_context():
        events = db.session.execute(select(AdminEvent).where(AdminEvent.action == "password_reset")).scalars().all()
        assert [(e.actor, e.target) for e in events] == [("admin", "user teacher")]
        logged = [repr((e.before, e.after, e.target)) for e in db.session.execute(select(AdminEvent)).scalars()]
        logged += [repr(e.detail) for e in db.session.execute(select(AuthEvent)).scalars()]
    assert not any(temporary in text for text in logged)
    page = admin.text("/audit/admin-events?action=password_reset")
    assert "user teacher" in page and temporary not in page
    assert "待改密码" in admin.text("/admin/users")
    assert temporary not in admin.text(f"/admin/users/{_user(app, 'teacher').id}/password")  # shown once


def test_only_the_admin_may_reset_and_it_needs_csrf(app, district):
    uid = _user(app, "teacher").id
    before = _user(app, "teacher").password_hash
    for who in ("school_admin", "bureau", "teacher2"):
        assert Browser(app, who).post(f"/admin/users/{uid}/password").status_code == 403, who
    assert Browser(app, "admin").post(f"/admin/users/{uid}/password", csrf=False).status_code == 400
    assert Browser(app, "admin").post("/admin/users/999999/password").status_code == 404
    assert _user(app, "teacher").password_hash == before and not _user(app, "teacher").must_change_password


def test_cli_reset_password(app, runner, district):
    out = runner.invoke(args=["users", "reset-password", "teacher"])
    assert out.exit_code == 0, out.output
    temporary = out.output.strip().rsplit(" ", 1)[-1]
    b, r = _login(app, "teacher", temporary)
    assert r.status_code == 302 and b.get("/cases").headers["Location"].startswith("/account/password")
    assert runner.invoke(args=["users", "reset-password", "nobody"]).exit_code == 1
    with app.app_context():
        assert db.session.execute(select(AdminEvent.actor).where(AdminEvent.action == "password_reset")).scalars().all() == ["cli"]


@pytest.mark.parametrize("current,new,again,field,message", [
    ("wrong-password", NEW, NEW, "current_password", "当前密码不正确"),
    (None, NEW, NEW + "x", "new_password_again", "两次输入的新密码不一致"),
    (None, "short-1", "short-1", "new_password", "至少 10 个字符"),
])
def test_a_refused_forced_change_names_the_field_and_changes_nothing(app, district, current, new, again, field, message):
    out_ = app.test_cli_runner().invoke(args=["users", "reset-password", "teacher"])
    temporary = out_.output.strip().rsplit(" ", 1)[-1]
    b, _ = _login(app, "teacher", temporary)
    before = _user(app, "teacher").password_hash
    r = _change(b, {"current_password": current or temporary, "new_password": new, "new_password_again": again})
    assert r.status_code == 422
    assert message in r.get_data(as_text=True).split(f'data-field="{field}"')[1].split("</div>")[0]
    assert _user(app, "teacher").password_hash == before and _user(app, "teacher").must_change_password
    assert b.get("/cases").status_code == 302  # still held at the change page


def test_tokens_issued_before_the_reset_keep_working(app, bx):
    assert bx.get("/notifications", as_="teacher").status_code == 200
    app.test_cli_runner().invoke(args=["users", "reset-password", "teacher"])
    assert bx.get("/notifications", as_="teacher").status_code == 200
