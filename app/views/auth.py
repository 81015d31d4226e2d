"""Login, logout and the language switch. Failed logins are rate-limited per account and address."""
import logging
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from wtforms import BooleanField, Form, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.auth import passwords
from app.extensions import db
from app.views import bp, i18n
from app.views.forms import meta

log = logging.getLogger("baoxue.auth")
MAX_FAILURES = 5           # per username and address, in WINDOW
MAX_FAILURES_PER_IP = 30   # per address, whatever usernames it tries
WINDOW = 15 * 60


class LoginForm(Form):
    username = StringField("用户名", [DataRequired(), Length(max=64)])
    password = PasswordField("密码", [DataRequired(), Length(max=1024)])
    remember = BooleanField("在这台电脑上保持登录")


def _keys(username: str) -> list[str]:
    ip = request.remote_addr or "-"
    return [f"bx:login:{ip}:{username.lower()[:64]}", f"bx:login:{ip}"]


def _limited(username: str) -> bool:
    from app.redis_conn import connection
    try:
        counts = connection(current_app).mget(_keys(username))
    except Exception:  # noqa: BLE001 — Redis away: log in without the limiter rather than lock everyone out
        log.warning("login rate limiter unavailable (Redis)")
        return False
    user_count, ip_count = (int(c or 0) for c in counts)
    return user_count >= MAX_FAILURES or ip_count >= MAX_FAILURES_PER_IP


def _count_failure(username: str) -> None:
    from app.redis_conn import connection
    try:
        with connection(current_app).pipeline() as pipe:
            for key in _keys(username):
                pipe.incr(key)
                pipe.expire(key, WINDOW)
            pipe.execute()
    except Exception:  # noqa: BLE001
        log.warning("login rate limiter unavailable (Redis)")


def _safe_next(target: str | None) -> str:
    # Only a path on this site: an open redirect would let a phishing link borrow our login page.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("views.workbench")


def _fresh_session() -> str | None:
    """Clear the session but keep the language chosen in it; returns that language."""
    lang = session.get("lang")
    session.clear()
    if lang in i18n.LANGUAGES:
        session["lang"] = lang
        return lang
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("views.workbench"))
    form = LoginForm(request.form if request.method == "POST" else None, meta=meta())
    status, error = 200, None
    if request.method == "POST" and form.validate():
        username = form.username.data.strip()
        if _limited(username):
            status = 429
            error = _("登录失败次数过多, 请 15 分钟后再试")
        else:
            user = passwords.authenticate(username, form.password.data)
            if user is not None:
                lang = _fresh_session()  # no fixation: a new session, only the language carried over
                if lang:  # the language picked on the login page stays, and is remembered
                    user.locale = lang
                    db.session.commit()
                login_user(user, remember=form.remember.data)
                log.info("login", extra={"event": "login", "user": user.username})
                return redirect(_safe_next(request.args.get("next")))
            _count_failure(username)
            log.info("login failed", extra={"event": "login_failed", "user": username[:64]})
            status, error = 401, _("用户名或密码错误")
    elif request.method == "POST":
        status = 422
    return render_template("login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    logout_user()
    _fresh_session()
    return redirect(url_for("views.login"))


@bp.post("/language")
def set_language():
    lang = request.form.get("lang")
    if lang in i18n.LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang  # remembered for the next login, on any machine
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
