"""Login, logout, the password change and the language switch. Failed logins fall under the one
lockout shared with the API's token endpoint (app/auth/lockout.py). A user whose password an admin
reset (a temporary one) is sent to the change page from every page until they have set their own."""
import logging
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import BooleanField, Form, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.auth import accounts, events, lockout
from app.errors import Invalid
from app.extensions import db
from app.views import bp, i18n, idle
from app.views.forms import meta

log = logging.getLogger("baoxue.auth")


class LoginForm(Form):
    username = StringField(_l("用户名"), [DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), [DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("在这台电脑上保持登录"))


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("当前密码"), [DataRequired(), Length(max=1024)])
    new_password = PasswordField(_l("新密码"), [DataRequired(), Length(max=1024)])
    new_password_again = PasswordField(_l("再次输入新密码"), [DataRequired(), Length(max=1024)])


def _safe_next(target: str | None) -> str:
    # Only a path on this site: an open redirect would let a phishing link borrow our login page.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("views.workbench")


def _fresh_session() -> str | None:
    """Clear the session but keep the language chosen in it (and a form put aside by an idle
    expiry); returns that language."""
    lang, restore = session.get("lang"), session.get("_restore")
    session.clear()
    if restore:
        session["_restore"] = restore
    if lang in i18n.LANGUAGES:
        session["lang"] = lang
        return lang
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("views.workbench"))
    form = LoginForm(request.form if request.method == "POST" else None, meta=meta())
    status, error, headers = 200, None, {}
    if request.method == "POST" and form.validate():
        try:
            user = lockout.attempt(form.username.data.strip(), form.password.data, via="page")
        except lockout.Locked as e:
            status, headers = 429, {"Retry-After": str(e.retry_after)}
            error = _("登录失败次数过多, 请 %(minutes)s 分钟后再试", minutes=max(1, -(-e.retry_after // 60)))
        else:
            if user is not None:
                lang = _fresh_session()  # no fixation: a new session, only the language carried over
                if lang:  # the language picked on the login page stays, and is remembered
                    user.locale = lang
                login_user(user, remember=form.remember.data)
                session[idle.SEEN] = idle._now()
                events.record("login", user=user, via="page", remember=bool(form.remember.data))
                log.info("login", extra={"event": "login", "user": user.username})
                return redirect(_safe_next(request.args.get("next")))
            status, error = 401, _("用户名或密码错误")
    elif request.method == "POST":
        status = 422
    return render_template("login.html", form=form, error=error, expired=request.args.get("expired") == "1",
                           ended=request.args.get("ended") == "1", kept=bool(session.get("_restore"))), \
        status, headers


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        accounts.end_sessions(user)  # every session and remember-me cookie of this user, everywhere
        events.record("logout", user=user)
        user_id = user.id
    else:
        user_id = None
    logout_user()
    _fresh_session()
    session.pop("_restore", None)
    if user_id is not None:  # a form another tab posts after this is kept for this user (app/views/idle.py)
        session[idle.LAST_USER] = user_id
    return redirect(url_for("views.login"))


# What a user with a temporary password may still open: the change page itself, and leaving.
OPEN_BEFORE_CHANGE = {"views.change_password", "views.logout", "views.set_language", "views.login", "views.healthz"}


@bp.before_request
def password_change_due():
    """Every page but the change page leads there while the password is an admin's temporary one."""
    if request.endpoint in OPEN_BEFORE_CHANGE or not current_user.is_authenticated:
        return None
    if not current_user.must_change_password:
        return None
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("views.change_password", next=target))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm(request.form if request.method == "POST" else None, meta=meta())
    form.general_errors = []
    if request.method != "POST":
        return render_template("password.html", form=form, forced=current_user.must_change_password)
    if form.validate():
        user = current_user._get_current_object()
        try:
            accounts.change_own_password(user, form.current_password.data, form.new_password.data,
                                         form.new_password_again.data)
        except Invalid as e:
            db.session.rollback()
            for name, message in e.fields.items():
                form[name].errors = [i18n.pick(m) for m in message.split("; ")]
        else:
            # Every other session has ended; this one goes on under the new epoch.
            login_user(user)
            session[idle.SEEN] = idle._now()
            flash(_("密码已修改，其他地方的登录已全部退出"), "ok")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("password.html", form=form, forced=current_user.must_change_password), 422


@bp.post("/language")
def set_language():
    lang = request.form.get("lang")
    if lang in i18n.LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang  # remembered for the next login, on any machine
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
