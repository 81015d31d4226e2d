"""The authentication log: every login, failure, logout, token issue and revocation, password change
and idle expiry, with who, when and from where; append-only; shown to admins (page and API) only."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import AuthEvent, User
from tests.web import PASSWORD, Browser, set_passwords


def _events(app):
    with app.app_context():
        return [(e.action, e.outcome, e.username) for e in
                db.session.execute(sa.select(AuthEvent).order_by(AuthEvent.id)).scalars()]


def test_each_kind_of_event_is_logged_with_who_and_where(app, bx, runner):
    app.config["BAOXUE_IDLE_MINUTES"] = 30
    set_passwords(app, "teacher")
    b = Browser(app)
    b.client.post("/login", data={"username": "teacher", "password": "wrong-one", "csrf_token": b.token()},
                  headers={"User-Agent": "TestBrowser/1.0"})
    b.client.post("/login", data={"username": "ghost", "password": "wrong-one", "csrf_token": b.token()})
    b.login("teacher")
    b.post("/logout")
    token = bx.client.post("/api/v1/auth/token", json={"username": "teacher", "password": PASSWORD}).get_json()
    bx.client.delete(f"/api/v1/auth/tokens/{token['token_id']}", headers={"Authorization": f"Bearer {token['token']}"})
    runner.invoke(args=["users", "password", "teacher", "--password", "another-good-one"])
    b2 = Browser(app, "leader")
    clock.shift(timedelta(minutes=31))
    b2.get("/work")
    seen = [e for e in _events(app) if e[2] in ("teacher", "ghost", "leader")]
    for expected in [("login_failed", "refused", "teacher"), ("login_failed", "refused", "ghost"),
                     ("login", "ok", "teacher"), ("logout", "ok", "teacher"), ("token_issued", "ok", "teacher"),
                     ("token_revoked", "ok", "teacher"), ("password_changed", "ok", "teacher"),
                     ("idle_expired", "ok", "leader")]:
        assert expected in seen, expected
    with app.app_context():
        failed = db.session.execute(sa.select(AuthEvent).where(AuthEvent.action == "login_failed")
                                    .order_by(AuthEvent.id)).scalars().first()
        teacher_id = db.session.scalar(sa.select(User.id).where(User.username == "teacher"))
        assert (failed.username, failed.user_id, failed.address, failed.user_agent) == \
            ("teacher", teacher_id, "127.0.0.1", "TestBrowser/1.0")
        ghost = db.session.execute(sa.select(AuthEvent).where(AuthEvent.username == "ghost")).scalar_one()
        assert ghost.user_id is None
        cli = db.session.execute(sa.select(AuthEvent).where(AuthEvent.action == "password_changed")).scalar_one()
        assert cli.address == "cli"


@pytest.mark.parametrize("statement", ["UPDATE auth_events SET outcome = 'ok'", "DELETE FROM auth_events"])
def test_the_log_is_append_only(app, bx, statement):
    Browser(app, "teacher")
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement))
        assert db.session.execute(sa.select(sa.func.count()).select_from(AuthEvent)).scalar_one() > 0


def test_truncating_the_log_is_refused_on_postgresql(app, bx):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no TRUNCATE")
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("TRUNCATE auth_events"))


def test_admins_read_the_log_through_the_api_filtered_by_user(app, bx):
    set_passwords(app, "teacher")
    bx.client.post("/api/v1/auth/token", json={"username": "teacher", "password": "wrong-again"})
    r = bx.get("/auth-events?user=teacher", as_="admin")
    body = r.get_json()
    assert r.status_code == 200 and body["total"] >= 2 and body["page"] == 1
    assert {e["username"] for e in body["items"]} == {"teacher"}
    assert {"id", "at", "user_id", "username", "action", "outcome", "address", "user_agent", "detail"} \
        == set(body["items"][0])
    assert body["items"][0]["action"] == "login_failed"  # newest first
    assert bx.get("/auth-events?user=nobody", as_="admin").status_code == 400
    assert bx.get("/auth-events?page=0", as_="admin").status_code == 400
    for who in ("teacher", "supervisor", "bureau"):
        assert bx.get("/auth-events", as_=who).status_code == 403


def test_admins_read_the_log_on_a_page(app, bx):
    set_passwords(app, "teacher")
    b = Browser(app)
    b.client.post("/login", data={"username": "teacher", "password": "wrong-one", "csrf_token": b.token()})
    admin = Browser(app, "admin")
    page = admin.text("/admin/auth-events?user=teacher")
    assert "登录失败" in page and "127.0.0.1" in page and "admin" not in page.split('id="auth-events"')[1]
    assert "登录与令牌日志" in admin.text("/admin")
    assert Browser(app, "supervisor").get("/admin/auth-events").status_code == 403
