"""API tokens that end: they expire, their owner lists and revokes them (never seeing a hash), an
admin does the same from the CLI and the users page, and deactivating a user revokes them for good."""
from datetime import timedelta

from app import clock
from app.auth.passwords import hash_password
from app.extensions import db
from app.models import User
from tests.web import Browser

GOOD = "a-good-long-password"


def _password(app, username):
    with app.app_context():
        db.session.execute(db.update(User).where(User.username == username)
                           .values(password_hash=hash_password(GOOD)))
        db.session.commit()


def _new_token(bx, username="teacher") -> dict:
    _password(bx.app, username)
    r = bx.client.post("/api/v1/auth/token", json={"username": username, "password": GOOD})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_token_expires_after_the_configured_days(app, bx):
    app.config["BAOXUE_TOKEN_DAYS"] = 30
    body = _new_token(bx)
    assert body["expires_at"].startswith((clock.now() + timedelta(days=30)).date().isoformat())
    assert bx.client.get("/api/v1/cases", headers=_auth(body["token"])).status_code == 200
    clock.shift(timedelta(days=30, minutes=1))
    r = bx.client.get("/api/v1/cases", headers=_auth(body["token"]))
    assert r.status_code == 401 and r.get_json()["error"] == "unauthenticated"


def test_the_owner_lists_tokens_without_hashes_and_revokes_one(app, bx):
    one, two = _new_token(bx), _new_token(bx)
    bx.client.get("/api/v1/cases", headers=_auth(one["token"]))
    r = bx.client.get("/api/v1/auth/tokens", headers=_auth(two["token"]))
    items = r.get_json()["items"]
    assert r.status_code == 200 and len(items) == 3  # the district's, and these two
    assert set(items[0]) == {"id", "created_at", "expires_at", "last_used_at", "revoked", "revoked_at"}
    assert "hash" not in r.get_data(as_text=True) and one["token"] not in r.get_data(as_text=True)
    used = next(t for t in items if t["id"] == one["token_id"])
    assert used["last_used_at"] is not None and used["revoked"] is False
    r = bx.client.delete(f"/api/v1/auth/tokens/{one['token_id']}", headers=_auth(two["token"]))
    assert r.status_code == 200 and r.get_json() == {"revoked": one["token_id"]}
    assert bx.client.get("/api/v1/cases", headers=_auth(one["token"])).status_code == 401
    assert bx.client.get("/api/v1/cases", headers=_auth(two["token"])).status_code == 200
    listed = bx.client.get("/api/v1/auth/tokens", headers=_auth(two["token"])).get_json()["items"]
    assert next(t for t in listed if t["id"] == one["token_id"])["revoked"] is True


def test_nobody_revokes_another_users_token(app, bx):
    mine = _new_token(bx, "teacher")
    r = bx.client.delete(f"/api/v1/auth/tokens/{mine['token_id']}", headers=bx.headers("leader"))
    assert r.status_code == 404
    assert bx.client.get("/api/v1/cases", headers=_auth(mine["token"])).status_code == 200
    assert bx.client.delete("/api/v1/auth/tokens/999999", headers=bx.headers("leader")).status_code == 404
    assert bx.client.get("/api/v1/auth/tokens").status_code == 401


def test_deactivation_revokes_every_token_for_good(app, bx, runner):
    token = _new_token(bx)["token"]
    out = runner.invoke(args=["users", "deactivate", "teacher"])
    assert out.exit_code == 0, out.output
    assert bx.client.get("/api/v1/cases", headers=_auth(token)).status_code == 401
    assert runner.invoke(args=["users", "activate", "teacher"]).exit_code == 0
    assert bx.client.get("/api/v1/cases", headers=_auth(token)).status_code == 401  # not revived
    assert bx.get("/cases", as_="teacher").status_code == 401
    fresh = _new_token(bx)["token"]  # a new one can be made, and it works
    assert fresh != token and bx.client.get("/api/v1/cases", headers=_auth(fresh)).status_code == 200


def test_deactivation_from_the_admin_page_revokes_tokens(app, bx):
    token = _new_token(bx)["token"]
    admin = Browser(app, "admin")
    with app.app_context():
        uid = db.session.execute(db.select(User.id).where(User.username == "teacher")).scalar_one()
    admin.post(f"/admin/users/{uid}/active", {"active": "0"})
    admin.post(f"/admin/users/{uid}/active", {"active": "1"})
    assert bx.client.get("/api/v1/cases", headers=_auth(token)).status_code == 401


def test_cli_lists_and_revokes_tokens(app, bx, runner):
    one, two = _new_token(bx), _new_token(bx)
    out = runner.invoke(args=["users", "tokens", "teacher"])
    assert out.exit_code == 0 and f"{one['token_id']}\tlive" in out.output and one["token"] not in out.output
    out = runner.invoke(args=["users", "tokens", "teacher", "--revoke", str(one["token_id"])])
    assert out.exit_code == 0 and f"revoked 1 token(s): {one['token_id']}" in out.output
    assert bx.client.get("/api/v1/cases", headers=_auth(one["token"])).status_code == 401
    assert bx.client.get("/api/v1/cases", headers=_auth(two["token"])).status_code == 200
    assert f"{one['token_id']}\trevoked" in runner.invoke(args=["users", "tokens", "teacher"]).output
    out = runner.invoke(args=["users", "tokens", "teacher", "--revoke", "all"])
    assert out.exit_code == 0 and "revoked 2 token(s)" in out.output  # the district's and `two`
    assert bx.client.get("/api/v1/cases", headers=_auth(two["token"])).status_code == 401
    assert runner.invoke(args=["users", "tokens", "teacher", "--revoke", "999999"]).exit_code == 1
    assert runner.invoke(args=["users", "tokens", "teacher", "--revoke", "x"]).exit_code == 2
    assert runner.invoke(args=["users", "tokens", "nobody"]).exit_code == 1


def test_cli_token_expires_too(app, bx, runner):
    app.config["BAOXUE_TOKEN_DAYS"] = 1
    token = runner.invoke(args=["users", "token", "teacher"]).output.strip()
    assert bx.client.get("/api/v1/cases", headers=_auth(token)).status_code == 200
    clock.shift(timedelta(days=2))
    assert bx.client.get("/api/v1/cases", headers=_auth(token)).status_code == 401


def test_admin_users_page_lists_and_revokes_tokens(app, bx):
    mine = _new_token(bx)
    admin = Browser(app, "admin")
    page = admin.text("/admin/users")
    assert f'id="token-{mine["token_id"]}"' in page and mine["token"] not in page
    with app.app_context():
        uid = db.session.execute(db.select(User.id).where(User.username == "teacher")).scalar_one()
        other = db.session.execute(db.select(User.id).where(User.username == "leader")).scalar_one()
    assert admin.post(f"/admin/users/{other}/tokens/{mine['token_id']}/revoke").status_code == 404
    assert admin.post(f"/admin/users/{uid}/tokens/{mine['token_id']}/revoke").status_code == 302
    assert bx.client.get("/api/v1/cases", headers=_auth(mine["token"])).status_code == 401
    assert "已吊销" in admin.text("/admin/users").split(f'id="token-{mine["token_id"]}"')[1][:400]
    assert Browser(app, "teacher").post(f"/admin/users/{uid}/tokens/{mine['token_id']}/revoke").status_code == 403


def test_revoking_a_token_id_beyond_the_database_integer_is_404(bx):
    # Found by the conformance run: 2**31 overflowed PostgreSQL's integer and answered 500.
    for token_id in (2**31, 2**31 - 1, 10**30):
        r = bx.client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bx.headers("teacher"))
        assert r.status_code == 404 and r.get_json()["error"] == "not_found", (token_id, r.get_json())
