"""Tokens: POST /auth/token exchanges a username and password for a bearer token (under the same
lockout as the login page, and a per-address request limit); the owner lists and revokes theirs.
GET /auth-events: the authentication log, for admins."""
from flask import jsonify, request

from app.api import bp
from app.api.util import TooManyAttempts, Unauthenticated, after_arg, int_arg, json_body, page_body, require_role
from app.auth.actor import current_actor
from app.auth import events, lockout, tokens
from app.auth.roles import ADMIN_ROLES
from app.errors import Invalid, NotPermitted
from app.web.limits import token_limit


class PasswordChangeRequired(NotPermitted):
    """The password is an admin's temporary one: no token until the user has set their own. Tokens
    issued before the reset keep working (integrations are not cut off by a forgotten password; the
    admin revokes them on the users page when the reset is about a leak)."""
    code = "password_change_required"


@bp.post("/auth/token")
@token_limit
def issue_token():
    body = json_body()
    username, password = body.get("username"), body.get("password")
    missing = {k: "必填 / required (a string)" for k, v in (("username", username), ("password", password))
               if not isinstance(v, str) or not v}
    if missing:
        raise Invalid(missing)
    try:
        user = lockout.attempt(username.strip(), password, via="api")
    except lockout.Locked as e:
        raise TooManyAttempts("登录失败次数过多, 请稍后再试 / too many failed logins: try again later",
                              retry_after=e.retry_after) from None
    if user is None:
        raise Unauthenticated("用户名或密码错误 / wrong username or password")
    if user.must_change_password:  # a temporary password opens the change page, nothing else
        raise PasswordChangeRequired("须先在网页上修改管理员重置的临时密码 / the password was reset by an admin: "
                                     "change it at /account/password before a token is issued")
    token, row = tokens.issued(user, via="api")
    return jsonify({"token": token, "token_id": row.id, "expires_at": row.to_dict()["expires_at"],
                    "user": user.to_dict()}), 201


@bp.get("/auth/tokens")
def list_tokens():
    return jsonify({"items": [t.to_dict() for t in tokens.listing(current_actor().user)]})


@bp.delete("/auth/tokens/<int:token_id>")
def revoke_token(token_id):
    tokens.revoke(current_actor().user, token_id)  # 404 for a token that is not the caller's
    return jsonify({"revoked": token_id})


@bp.get("/auth-events")
def auth_events():
    require_role(*ADMIN_ROLES)
    result = events.page(events.user_filter(request.args.get("user")), int_arg("page", 1),
                         int_arg("per_page", 50, 1, 200), after=after_arg())
    return jsonify(page_body([e.to_dict() for e in result["items"]], result))
