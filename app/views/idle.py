"""Idle sessions end (BAOXUE_IDLE_MINUTES, default 30), and what the user was posting is kept.

The session carries when it was last used (signed with it, so a replayed old cookie is as idle as
it was); a remember-me cookie is checked against the user's last request (users.last_seen_at), so it
cannot start a new session after the idle time either. A form posted into an expired session is put
aside in Redis (not in the cookie: it may hold pupils' data and be long) for one hour, and handed
back — filled, for the same user only — to the page's form after the new login."""
import json
import logging
import secrets
import time
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_login import decode_cookie, logout_user
from werkzeug.datastructures import MultiDict

from app import clock
from app.auth import accounts, events
from app.extensions import connection

log = logging.getLogger("baoxue.auth")
EXEMPT = {"views.login", "views.healthz", "views.index", "views.set_language"}
STASH_SECONDS = 3600
SEEN = "_seen"


def idle_seconds() -> int:
    return int(float(current_app.config.get("BAOXUE_IDLE_MINUTES", 30)) * 60)


def _now() -> float:
    return clock.now().timestamp()


def guard():
    """before_request (ahead of CSRF): end an idle session, or note that this one was used."""
    if request.blueprint != "views" or request.endpoint in EXEMPT:
        return None
    now, limit = _now(), idle_seconds()
    session_id = session.get("_user_id")
    if session_id:
        seen = session.get(SEEN)
        if seen is not None and now - seen > limit:
            return _expire(accounts.user_for_session_id(session_id))
        session[SEEN] = now
        return None
    cookie = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    if cookie and session.get("_remember") != "clear":
        user = accounts.user_for_session_id(decode_cookie(cookie) or "")
        if user is None:
            return None  # Flask-Login refuses it the same way
        if user.last_seen_at is None or now - user.last_seen_at.timestamp() > limit:
            return _expire(user)
        session[SEEN] = now
    return None


def seen(user) -> None:
    """after a page request by a logged-in user: the user's last request, for remember-me cookies."""
    accounts.touch(user)


def _expire(user):
    if user is not None:
        events.record("idle_expired", user=user)
    stash = _stash(user) if request.method == "POST" and user is not None else None
    lang = session.get("lang")
    logout_user()  # also deletes the remember-me cookie (Flask-Login's "_remember" = "clear")
    for key in [k for k in session if k not in ("_remember", "lang")]:
        session.pop(key)
    if lang:
        session["lang"] = lang
    if stash:
        session["_restore"] = stash
    target = _page_of_form() if request.method == "POST" else request.full_path.rstrip("?")
    return redirect(url_for("views.login", next=target, expired=1))


def _page_of_form() -> str:
    """The page the form was on (the referrer on this site), else the URL it posted to."""
    ref = urlsplit(request.referrer or "")
    if ref.netloc == request.host and ref.path:
        return ref.path + (f"?{ref.query}" if ref.query else "")
    return request.path


def _stash(user) -> dict | None:
    fields = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"]
    key = f"bx:restore:{secrets.token_urlsafe(16)}"
    try:
        connection(current_app).set(key, json.dumps({"path": request.path, "user": user.id, "form": fields}),
                                    ex=STASH_SECONDS)
    except Exception:  # noqa: BLE001 — Redis away: the form is lost, the session still ends
        log.warning("idle expiry: Redis unavailable, the posted form was not kept")
        return None
    return {"key": key, "path": request.path, "at": time.time()}


def restored(path_prefix: str, user) -> tuple[str, MultiDict] | None:
    """(path posted to, the fields typed) of a form put aside for this user at a path starting with
    `path_prefix`, handed over once; None when there is none."""
    stash = session.get("_restore")
    if not stash or not str(stash.get("path", "")).startswith(path_prefix):
        return None
    session.pop("_restore")
    try:
        conn = connection(current_app)
        raw = conn.get(stash["key"])
        conn.delete(stash["key"])
    except Exception:  # noqa: BLE001
        return None
    data = json.loads(raw) if raw else None
    if not data or data.get("user") != user.id:
        return None
    return data["path"], MultiDict(data["form"])
