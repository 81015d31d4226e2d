"""POST /auth/token: exchange a username and password for a bearer token."""
from flask import jsonify
from sqlalchemy import select

from app.api import bp
from app.api.util import Unauthenticated, json_body
from app.auth import passwords, tokens
from app.engine.errors import Invalid
from app.extensions import db
from app.models import User


@bp.post("/auth/token")
def issue_token():
    body = json_body()
    username, password = body.get("username"), body.get("password")
    missing = {k: "必填 / required (a string)" for k, v in (("username", username), ("password", password))
               if not isinstance(v, str) or not v}
    if missing:
        raise Invalid(missing)
    user = db.session.execute(select(User).where(User.username == username[:64])).scalar_one_or_none()
    if not passwords.check_password(user.password_hash if user and user.active else None, password[:1024]):
        raise Unauthenticated("用户名或密码错误 / wrong username or password")
    return jsonify({"token": tokens.issue(user), "user": user.to_dict()}), 201
