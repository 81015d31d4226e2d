"""The page side of the one-schema rule: the forms in forms/ render here and post back to the same
engine the API calls. A posted HTML form becomes the JSON-like payload the engine validates, and
the engine's field errors come back onto the form, next to what the user typed."""
from functools import cache

from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectMultipleField

from app.engine.validation import field_kinds
from app.views import i18n
from app.views.i18n import lang, pick

NAME_SEPARATORS = ",，、;；\n"


def meta(**extra) -> dict:
    """WTForms' own messages ("This field is required.") in the user's language; CSRF is checked
    for every page POST by Flask-WTF's CSRFProtect, so the forms themselves carry none."""
    return {"locales": ["zh"] if lang() == "zh" else ["en"], "csrf": False, **extra}


def is_free_list(field) -> bool:
    """A list of names typed by the user (no fixed choices): rendered as one text box."""
    return isinstance(field, SelectMultipleField) and not field.choices


@cache
def _fields(form_cls: type[Form]) -> tuple:
    """(name, label, {choice value: label}, free list?) per field, worked out once per form class:
    a timeline describes hundreds of recorded forms per page."""
    out = []
    for f in form_cls(meta={"csrf": False}):
        choices = {c.value: c.label for c in f.choices} if getattr(f, "choices", None) else {}
        out.append((f.name, f.label.text, choices, is_free_list(f)))
    return tuple(out)


def _split_names(text: str) -> list[str]:
    for sep in NAME_SEPARATORS[1:]:
        text = text.replace(sep, NAME_SEPARATORS[0])
    return [name.strip() for name in text.split(NAME_SEPARATORS[0]) if name.strip()]


def formdata_for(form_cls: type[Form], posted: MultiDict) -> MultiDict:
    """The posted fields of this form (names typed in one box split into a list)."""
    data = MultiDict()
    free = {name for name, _, _, free_list in _fields(form_cls) if free_list}
    for name in field_kinds(form_cls):
        if name in free:
            for value in posted.getlist(name):
                for item in _split_names(value):
                    data.add(name, item)
        else:
            for value in posted.getlist(name):
                data.add(name, value)
    return data


def payload(form_cls: type[Form] | None, posted: MultiDict) -> dict:
    """What the API would have received as JSON for this form."""
    if form_cls is None:
        return {}
    kinds = field_kinds(form_cls)
    data = formdata_for(form_cls, posted)
    out = {}
    for name, kind in kinds.items():
        values = data.getlist(name)
        if kind == "boolean":
            out[name] = bool(values and values[0] not in ("", "n", "false", "0"))
        elif kind == "list of strings":
            out[name] = values
        elif not values:
            continue
        elif kind == "integer":
            try:
                out[name] = int(values[0])
            except ValueError:
                out[name] = values[0]  # the engine names the field: "must be an integer"
        else:
            out[name] = values[0]
    return out


def bound(form_cls: type[Form], posted: MultiDict | None = None, errors: dict | None = None, **defaults) -> Form:
    """The form filled with what the user posted (or the defaults), with the engine's errors on it."""
    form = form_cls(formdata_for(form_cls, posted) if posted is not None else None, meta=meta(), **defaults)
    form.general_errors = []
    for name, message in (errors or {}).items():
        if name in form._fields:
            form[name].errors = [pick(m) for m in str(message).split("; ")]
        else:
            form.general_errors.append(pick(message))
    return form


def describe(form_cls: type[Form] | None, data: dict) -> list[tuple[str, str]]:
    """A recorded form's data as (label, value) pairs in the form's field order. Labels are message ids,
    translated by the template; values are shown in the reader's language: yes/no and a choice by its
    label translated here, a list joined with the language's separator, text typed by people as typed."""
    if form_cls is None or not data:
        return []
    out = []
    for name, label, choices, _ in _fields(form_cls):
        value = data.get(name)
        if value in (None, "", []):
            continue
        if isinstance(value, bool):
            text = gettext("是") if value else gettext("否")
        elif isinstance(value, list):
            text = i18n.sep().join(_choice(choices, v) for v in value)
        else:
            text = _choice(choices, value)
        out.append((label, text))
    return out


def _choice(choices: dict, value) -> str:
    return gettext(str(choices[value])) if value in choices else str(value)
