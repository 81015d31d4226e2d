"""Idle sessions end (BAOXUE_IDLE_MINUTES, default 30), and what the user was posting is kept.

The session carries when it was last used (signed with it, so a replayed old cookie is as idle as
it was); a remember-me cookie is checked against the user's last request (users.last_seen_at), so it
cannot start a new session after the idle time either. A form posted into an expired session is put
aside in Redis (not in the cookie: it may hold pupils' data and be long) for one hour, and handed
back — filled, for the same user only — to the page's form after the new login.

The same holds when the session ended some other way before the form was sent: a logout in another
tab (the cookie then holds no login and no CSRF token, which would be a bare 400), a logout or a
password change elsewhere (the session's epoch is old), or a CSRF token that no longer matches a live
session (logged out and in again in another tab). Whose form it was comes from the dead session's
user id, or from the id a logout leaves in the new session (LAST_USER: a number, never a field); the
Redis key is random and sits only in this browser's session, so the form is tied to the browser, and
it is handed back only if that same user logs in. A form whose typist cannot be told is not kept:
on a shared computer it would otherwise reach the next person to log in. Password fields are never
kept."""
import json
import logging
import secrets
import time
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from flask_login import current_user, decode_cookie, logout_user
from werkzeug.datastructures import MultiDict

from app import clock
from app.auth import accounts, events
from app.extensions import connection

log = logging.getLogger("baoxue.auth")
EXEMPT = {"views.login", "views.healthz", "views.index", "views.set_language"}
NOT_KEPT = {"views.logout"}  # a POST after the session ended that carries nothing worth keeping
STASH_SECONDS = 3600
SEEN = "_seen"
LAST_USER = "_last_user"   # set by a logout or an expiry: whose form a post into the ended session is


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
    cookie = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    if not session_id and cookie and session.get("_remember") != "clear":
        user = accounts.user_for_session_id(decode_cookie(cookie) or "")
        # (None: Flask-Login refuses the cookie the same way, and a post is an ended session's below)
        if user is not None and (user.last_seen_at is None or now - user.last_seen_at.timestamp() > limit):
            return _expire(user)
        if user is not None:
            session[SEEN] = now
    if request.method == "POST" and request.endpoint not in NOT_KEPT and not current_user.is_authenticated:
        return _ended(session_id)
    return None


def _ended(session_id: str | None):
    """A form posted after the session ended without an idle expiry: kept for its user (when known
    and the post came from this site), and the browser sent to log in."""
    uid, _, _ = str(session_id or "").partition(":")
    user_id = int(uid) if uid.isdigit() else session.get(LAST_USER)
    stash = _stash(user_id) if isinstance(user_id, int) and same_origin() else None
    lang = session.get("lang")
    session.clear()  # a dead login's leftovers (its user id, its CSRF token) go
    if lang:
        session["lang"] = lang
    if isinstance(user_id, int):
        session[LAST_USER] = user_id
    if stash:
        session["_restore"] = stash
    return redirect(url_for("views.login", next=_page_of_form(), ended=1))


def keep_for_csrf_failure(user):
    """A logged-in user's form refused by CSRF although it carries a token (one of an earlier session
    of this browser, or an expired one): kept like an expired one and the page of the form shown again with it filled.
    None when it cannot be kept (not from this site, or Redis away): then the plain refusal stands."""
    if request.method != "POST" or request.blueprint != "views" or not same_origin(strict=True):
        return None
    if not our_token(request.form.get("csrf_token")):  # missing or forged: not a page of ours, a plain refusal
        return None
    stash = _stash(user.id)
    if not stash:
        return None
    session["_restore"] = stash
    return redirect(_page_of_form())


def same_origin(strict: bool = False) -> bool:
    """The post came from a page of this site, as far as the browser says (Origin, else Referer). A
    client that sends neither is not a browser on another site (whose posts always carry Origin); with
    `strict` it must say so all the same."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return urlsplit(origin).netloc == request.host
    ref = request.referrer
    if ref is None:
        return not strict
    return urlsplit(ref).netloc == request.host


def our_token(token: str | None) -> bool:
    """A CSRF token this application signed (for some session of some time), as Flask-WTF makes them."""
    if not token:
        return False
    try:
        URLSafeTimedSerializer(current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key,
                               salt="wtf-csrf-token").loads(token)
    except BadData:
        return False
    return True


def seen(user) -> None:
    """after a page request by a logged-in user: the user's last request, for remember-me cookies."""
    accounts.touch(user)


def _expire(user):
    if user is not None:
        events.record("idle_expired", user=user)
    stash = _stash(user.id) if request.method == "POST" and user is not None and same_origin() else None
    lang = session.get("lang")
    logout_user()  # also deletes the remember-me cookie (Flask-Login's "_remember" = "clear")
    for key in [k for k in session if k not in ("_remember", "lang")]:
        session.pop(key)
    if lang:
        session["lang"] = lang
    if user is not None:
        session[LAST_USER] = user.id
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


def _kept_field(name: str) -> bool:
    return name != "csrf_token" and "password" not in name.lower()  # a password is never written down


def _stash(user_id: int) -> dict | None:
    fields = [(k, v) for k, v in request.form.items(multi=True) if _kept_field(k)]
    if not any(v.strip() for _, v in fields):
        return None  # nothing typed: nothing to keep
    key = f"bx:restore:{secrets.token_urlsafe(16)}"
    try:
        connection(current_app).set(key, json.dumps({"path": request.path, "user": user_id, "form": fields}),
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
