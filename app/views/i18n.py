"""Language: 简体中文 by default, English on request. Template strings go through gettext with the
Chinese text as the message id (app/translations/en holds the English); the engine's messages are
bilingual "中文 / English" strings, of which pick() shows the user's half."""
from datetime import date, datetime
from urllib.parse import urlsplit

from flask import has_request_context, request, session
from flask_babel import get_locale, gettext
from flask_login import current_user

from app.auth.roles import UNIT_KIND_LABELS, role_label
from app.deadlines import calendar
from app.engine import machine
from app.timeline.model import SYSTEM_LABELS as SYSTEM_ACTIONS  # the system's own actions, named once
from forms.base import REASONS

LANGUAGES = {"zh": "简体中文", "en": "English"}


def locale() -> str:
    # Only pages are translated. Elsewhere (the CLI, the worker, the importer, the JSON API, whose
    # messages are bilingual) a form label stays its message id, as the API's schemas show it.
    if not has_request_context() or request.path.startswith("/api/"):
        return "zh"
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return current_user.locale
    return request.accept_languages.best_match(LANGUAGES, default="zh")


def lang() -> str:
    return str(get_locale() or "zh")[:2]


def pick(message) -> str:
    """The user's half of a bilingual "中文 / English" message (the whole message if it is not one)."""
    text = str(message or "")
    zh, sep, en = text.partition(" / ")
    if not sep:
        return text
    return en if lang() == "en" else zh


def label(obj) -> str:
    """A definition item's label ({"zh", "en"} or an object with .zh/.en) in the user's language."""
    if isinstance(obj, dict):
        return obj.get(lang()) or obj.get("zh") or ""
    return getattr(obj, lang(), None) or getattr(obj, "zh", "") or ""


def local_dt(value, fmt="%Y-%m-%d %H:%M") -> str:
    """A stored naive-UTC time shown in Beijing time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return calendar.to_local(value).strftime(fmt)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def return_to() -> str:
    """Where a language switch should come back to: this page, or after a POST (a refused form),
    the page the form was on."""
    if request.method == "GET":
        return request.full_path
    referrer = urlsplit(request.referrer or "")
    return (referrer.path or "/") + (f"?{referrer.query}" if referrer.query else "")


def sep() -> str:
    """Between items of a list: 、 in Chinese, a comma in English."""
    return ", " if lang() == "en" else "、"


def colon() -> str:
    return ": " if lang() == "en" else "："


def template_globals() -> dict:
    return {"LANGUAGES": LANGUAGES, "lang": lang, "pick": pick, "label": label, "role_label": role_label, "unit_kind_label": unit_kind_label,
            "reason_label": reason_label, "action_label": action_label, "return_to": return_to,
            "sep": sep, "colon": colon}


def template_filters() -> dict:
    return {"local_dt": local_dt, "pick": pick, "t": gettext}





def unit_kind_label(kind: str) -> str:
    return UNIT_KIND_LABELS.get(kind, kind)


def reason_label(code: str) -> str:
    return dict(REASONS).get(code, code)


def action_label(case, action: str) -> str:
    """A trigger's label in the user's language; the system's own actions by name."""
    t = machine.get(case.workflow).triggers.get(action)
    if t is not None:
        return label(t)
    return gettext(SYSTEM_ACTIONS.get(action, action))
