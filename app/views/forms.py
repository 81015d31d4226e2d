"""The page side of the one-schema rule: the forms in forms/ render here and post back to the same
engine the API calls. A posted HTML form becomes the JSON-like payload the engine validates, and
the engine's field errors come back onto the form, next to what the user typed."""
from werkzeug.datastructures import MultiDict
from wtforms import Form

from app.casefile.fields import form_fields as _fields
from app.engine.validation import field_kinds
from app.views.i18n import lang, pick

NAME_SEPARATORS = ",，、;；\n"


def meta(**extra) -> dict:
    """WTForms' own messages ("This field is required.") in the user's language; CSRF is checked
    for every page POST by Flask-WTF's CSRFProtect, so the forms themselves carry none."""
    return {"locales": ["zh"] if lang() == "zh" else ["en"], "csrf": False, **extra}


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
