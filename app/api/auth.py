"""POST /auth/token: exchange a username and password for a bearer token."""
from flask import jsonify

from app.api import bp
from app.api.util import Unauthenticated, json_body
from app.auth import passwords, tokens
from app.engine.errors import Invalid


@bp.post("/auth/token")
def issue_token():
    body = json_body()
    username, password = body.get("username"), body.get("password")
    missing = {k: "必填 / required (a string)" for k, v in (("username", username), ("password", password))
               if not isinstance(v, str) or not v}
    if missing:
        raise Invalid(missing)
    user = passwords.authenticate(username, password)
    if user is None:
        raise Unauthenticated("用户名或密码错误 / wrong username or password")
    return jsonify({"token": tokens.issue(user), "user": user.to_dict()}), 201
