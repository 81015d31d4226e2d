"""Wiring of the web layer: sessions (Flask-Login), CSRF (Flask-WTF), language (Flask-Babel),
template helpers, and HTML error pages. The JSON API authenticates by token and keeps its own errors."""
import logging
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import Babel
from flask_limiter.errors import RateLimitExceeded
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from app.api import bp as api_bp
from app.api.errors import _baoxue_error as api_error
from app.api.errors import _http_error
from app.auth import accounts
from app.engine import machine
from app.errors import BaoxueError
from app.extensions import db
from app.casefile import fields
from app.district import presenters
from app.views import access, bp, i18n, idle, notices
from app.web import outage
from app.web.limits import retry_after

log = logging.getLogger(__name__)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


@login_manager.user_loader
def _load_user(user_id: str):
    # "<id>:<epoch>": a session or remember-me cookie from before a logout or password change is refused.
    return accounts.user_for_session_id(user_id)


def init_app(app) -> None:
    # Flask's defaults are None and 31 days: a session cookie that is not sent cross-site, and a
    # "remember me" that lasts a working week rather than a month, suit a school's shared computers.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=8)
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=7))
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    # Ahead of CSRF: a form posted into an idle session is kept for after the new login, not refused.
    app.before_request(idle.guard)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    login_manager.init_app(app)
    login_manager.login_view = "views.login"
    login_manager.login_message = None  # the login page says why on its own
    csrf.init_app(app)
    csrf.exempt(api_bp)  # the API authenticates every request by bearer token, never by cookie
    babel.init_app(app, locale_selector=i18n.locale)
    app.jinja_env.globals.update(i18n.template_globals(), nav_can=access.can, workflow=machine.get,
                                  describe_form=fields.describe, subject_title=presenters.subject_title,
                                  opened_on=presenters.opened_on, unread_notices=notices.unread_counter)
    app.jinja_env.filters.update(i18n.template_filters())
    app.jinja_env.add_extension("jinja2.ext.do")
    app.after_request(_security_headers)
    app.after_request(_seen)
    for status in (404, 405, 413):
        app.register_error_handler(status, _app_http_error)
    outage.register(app, error_page)  # also before a blueprint is chosen (bp has its own, below)
    app.register_error_handler(BaoxueError, _app_refusal)


def _seen(response):
    if request.blueprint == "views" and current_user.is_authenticated:
        idle.seen(current_user)
    return response


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        # Nothing is loaded from elsewhere: pages work on a machine without internet.
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
    return response


def error_page(status: int, message: str, details: dict | None = None):
    details = {k: i18n.pick(v) for k, v in (details or {}).items()}
    return render_template("error.html", status=status, message=i18n.pick(message), details=details), status


outage.register(bp, error_page)


@bp.errorhandler(BaoxueError)
def _baoxue_error(err: BaoxueError):
    db.session.rollback()
    details = dict(getattr(err, "fields", None) or {})
    if "field" in err.extra:
        details[err.extra["field"]] = err.message
    return error_page(err.status, err.message, details)


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(err):
    wait = retry_after()
    response, status = error_page(429, f"请求过于频繁, 请 {wait} 秒后再试 / too many requests: try again in {wait} s")
    return response, status, {"Retry-After": str(wait)}


@bp.errorhandler(CSRFError)
def _csrf_error(err: CSRFError):
    # The token belongs to an earlier session of this browser (logged out and in again in another tab)
    # or has expired: what was typed is kept and the form shown again, filled, to be sent once more.
    if current_user.is_authenticated:
        kept = idle.keep_for_csrf_failure(current_user)
        if kept is not None:
            flash("页面已过期，刚才填写的内容已恢复，请检查后再次提交 / the page had expired: what you typed "
                  "is back in the form, check it and send it again", "warning")
            return kept
    elif request.endpoint == "views.login" and idle.our_token(request.form.get("csrf_token")):
        # a login page left open while the session changed (a token we signed; none or a forged one: 400)
        flash("登录页面已过期，请再试一次 / the login page had expired: please try again", "warning")
        return redirect(url_for("views.login", next=request.args.get("next")))
    return error_page(400, "表单已过期, 请刷新页面后重试 / the form has expired: reload the page and try again")


def _app_http_error(err: HTTPException):
    """Errors raised before a blueprint is chosen (unknown URL, wrong method, body too large)."""
    if request.path.startswith("/api/"):
        return _http_error(err)
    messages = {404: "页面不存在 / no such page", 405: "不支持此操作 / method not allowed",
                413: "上传的内容太大 / the upload is too large"}
    return error_page(err.code, messages.get(err.code, err.description or ""))


def _app_refusal(err: BaoxueError):
    """A refusal before a blueprint is chosen (the edge refusing a path no route matches)."""
    if request.path.startswith("/api/"):
        return api_error(err)
    return _baoxue_error(err)


@bp.errorhandler(Exception)
def _unexpected(err: Exception):
    if isinstance(err, HTTPException):
        return error_page(err.code or 500, err.description or "")
    db.session.rollback()
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_page(500, "服务器内部错误, 已记录 / internal error (logged)")
