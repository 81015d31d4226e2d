"""Validate a JSON body with a WTForms class: the one schema serves the page and the API.

JSON brings types that HTML forms do not have, so each value is first checked against the kind of
its field (text must be a string, a flag a boolean, a multi-choice a list of strings) and then fed
to the form as form data, so WTForms' own coercion and validators decide exactly as for a page.
"""
import threading
from datetime import date, datetime
from functools import lru_cache

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, DecimalField, Form, IntegerField, SelectMultipleField
from wtforms.i18n import get_translations

from app.errors import Invalid

MAX_LIST_ITEMS = 50


class _Bilingual:
    """WTForms' own messages ("This field is required.") as "中文 / English", like every other
    message of the engine: the API returns both, a page shows the reader's half."""

    def __init__(self):
        self.zh = get_translations(["zh"])

    def gettext(self, text):
        zh = self.zh.gettext(text)
        return f"{zh} / {text}" if zh != text else text

    def ngettext(self, singular, plural, n):
        en = singular if n == 1 else plural
        zh = self.zh.ngettext(singular, plural, n)
        return f"{zh} / {en}" if zh != en else en


BILINGUAL = _Bilingual()
META = {"csrf": False, "get_translations": lambda form: BILINGUAL}


@lru_cache(maxsize=None)
def field_kinds(form_cls) -> dict[str, str]:
    """Each field's JSON kind, worked out once per form class."""
    return {f.name: _expected(f) for f in form_cls(meta={"csrf": False})}


@lru_cache(maxsize=None)
def date_fields(form_cls) -> dict[str, str]:
    """The form's date fields and their labels (the name a message gives the field)."""
    if form_cls is None:
        return {}
    return {f.name: str(f.label.text) for f in form_cls(meta={"csrf": False}) if isinstance(f, DateField)}


def _expected(field) -> str:
    if isinstance(field, BooleanField):
        return "boolean"
    if isinstance(field, IntegerField):
        return "integer"
    if isinstance(field, DecimalField):
        return "number"
    if isinstance(field, SelectMultipleField):
        return "list of strings"
    return "string"


def _to_formdata(name, value, kind: str, out: MultiDict, errors: dict) -> None:
    if value is None:
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            errors[name] = "须为布尔值 / must be a boolean (true/false)"
        elif value:
            out.add(name, "y")
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = "须为整数 / must be an integer"
        else:
            out.add(name, str(value))
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            errors[name] = "须为数字 / must be a number"
        else:
            out.add(name, repr(value))
    elif kind == "list of strings":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors[name] = "须为字符串列表 / must be a list of strings"
        elif len(value) > MAX_LIST_ITEMS:
            errors[name] = f"最多 {MAX_LIST_ITEMS} 项 / at most {MAX_LIST_ITEMS} items"
        else:
            for v in value:
                out.add(name, v)
    elif not isinstance(value, str):
        errors[name] = "须为字符串 / must be a string"
    else:
        out.add(name, value)


def jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


_bound = threading.local()


def _reused(form_cls):
    """One bound form per class and thread, re-processed for each request: binding a form's fields
    is most of what validating a small body costs, and a step should not pay it every time."""
    cache = _bound.__dict__.setdefault("forms", {})
    form = cache.get(form_cls)
    if form is None:
        form = cache[form_cls] = form_cls(meta=META)
    return form


def prepare(form_cls) -> None:
    """What the first validation with this form class would build: its field kinds, its date fields,
    and this thread's bound form (app/engine/warm.py calls it at start-up)."""
    field_kinds(form_cls)
    date_fields(form_cls)
    _reused(form_cls)


def validated_form(form_cls: type[Form], payload: dict, *, ignore=("version",), reuse: bool = False) -> Form:
    """The form filled from a JSON object and validated, or Invalid naming every bad field.

    With reuse=True the form is this thread's shared instance: read it before validating another."""
    if not isinstance(payload, dict):
        raise Invalid({"_body": "须为 JSON 对象 / the body must be a JSON object"})
    payload = {k: v for k, v in payload.items() if k not in ignore}
    kinds = field_kinds(form_cls)
    errors = {k: "未知字段 / unknown field" for k in payload if k not in kinds}
    formdata = MultiDict()
    for name, value in payload.items():
        if name in kinds:
            _to_formdata(name, value, kinds[name], formdata, errors)
    if reuse:
        form = _reused(form_cls)
        form.process(formdata)
    else:
        form = form_cls(formdata=formdata, meta=META)
    if not form.validate():
        for name, messages in form.errors.items():
            errors.setdefault(name, "; ".join(str(m) for m in messages))
    if errors:
        raise Invalid(errors)
    return form


def validate_payload(form_cls: type[Form] | None, payload: dict, *, ignore=("version",)) -> dict:
    """The form's cleaned data as JSON-native values (dates as ISO strings)."""
    if form_cls is None:
        extra = {k: "未知字段 / unknown field" for k in (payload or {}) if k not in ignore}
        if extra:
            raise Invalid(extra)
        return {}
    form = validated_form(form_cls, payload, ignore=ignore, reuse=True)
    return {f.name: jsonable(f.data) for f in form}
