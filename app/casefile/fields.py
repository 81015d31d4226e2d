"""A recorded form as people read it: (label, value) pairs in the form's field order."""
from functools import cache

from flask_babel import get_locale, gettext
from wtforms import Form, SelectMultipleField


def is_free_list(field) -> bool:
    """A list of names typed by the user (no fixed choices): rendered as one text box."""
    return isinstance(field, SelectMultipleField) and not field.choices


@cache
def form_fields(form_cls: type[Form]) -> tuple:
    """(name, label, {choice value: label}, free list?) per field, worked out once per form class:
    a timeline describes hundreds of recorded forms per page."""
    out = []
    for f in form_cls(meta={"csrf": False}):
        choices = {c.value: c.label for c in f.choices} if getattr(f, "choices", None) else {}
        out.append((f.name, f.label.text, choices, is_free_list(f)))
    return tuple(out)


def _sep() -> str:
    """Between items of a list: 、 in Chinese, a comma in English (the reader's language)."""
    locale = get_locale()
    return ", " if locale is not None and locale.language == "en" else "、"


def _choice(choices: dict, value) -> str:
    # a choice's label is a message id; text people typed is shown as typed
    return gettext(str(choices[value])) if value in choices else str(value)


def _text(value, choices: dict) -> str:
    """A recorded value in the reader's language: yes/no and choices translated, lists joined."""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, list):
        return _sep().join(_choice(choices, v) for v in value)
    if isinstance(value, dict):
        return _sep().join(f"{k}: {v}" for k, v in value.items())
    return _choice(choices, value)


def describe(form_cls: type[Form] | None, data: dict) -> list[tuple[str, str]]:
    """Every recorded field: the form's fields by their label (choices by theirs) in the form's order,
    then any recorded field the form no longer has, under its own name (a field since renamed or
    dropped, or a step whose form has gone, still shows what was typed). Labels are message ids,
    translated by the template; empty answers are left out."""
    if not data:
        return []
    out, known = [], set()
    for name, label, choices, _ in (form_fields(form_cls) if form_cls is not None else ()):
        known.add(name)
        value = data.get(name)
        if value in (None, "", []):
            continue
        out.append((label, _text(value, choices)))
    out += [(name, _text(value, {})) for name, value in data.items()
            if name not in known and value not in (None, "", [])]
    return out


def value(form_cls: type[Form] | None, data: dict, name: str) -> str:
    """One recorded field as shown (choices by their label), "" when not recorded."""
    raw = (data or {}).get(name)
    if raw in (None, "", []):
        return ""
    fields = form_fields(form_cls) if form_cls is not None else ()
    choices = next((c for n, _, c, _ in fields if n == name), {})
    return _text(raw, choices)
