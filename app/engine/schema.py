"""JSON Schema of a WTForms class: what the API documents is what the form validates."""
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from app.engine.validation import MAX_LIST_ITEMS


def field_schema(field) -> dict:
    """The field's JSON type and every constraint its validators state (so a client, or a fuzzer,
    knows what will be accepted): lengths, ranges, patterns, choices, what "required" means."""
    required = is_required(field)
    if isinstance(field, BooleanField):
        s = {"type": "boolean"}
        if any(isinstance(v, DataRequired) for v in field.validators):
            s["enum"] = [True]  # a required checkbox must be ticked
    elif isinstance(field, IntegerField):
        s = {"type": "integer"}
    elif isinstance(field, DecimalField):
        s = {"type": "number"}
    elif isinstance(field, DateField):
        s = {"type": "string", "format": "date"}
    elif isinstance(field, SelectMultipleField):
        s = {"type": "array", "items": {"type": "string"}, "maxItems": MAX_LIST_ITEMS}
        if required:
            s["minItems"] = 1
        if field.choices:
            s["items"]["enum"] = [choice_value(c) for c in field.choices]
    elif isinstance(field, SelectField):
        s = {"type": "string", "enum": [choice_value(c) for c in field.choices]}
    else:
        s = {"type": "string"}
        if required:  # DataRequired refuses blank text
            s.update(minLength=1, pattern=r"\S")
    for v in field.validators:
        if isinstance(v, Length) and v.max and v.max > 0:
            s["maxLength"] = v.max
        if isinstance(v, Length) and v.min and v.min > 0:
            s["minLength"] = v.min
        if isinstance(v, Regexp):
            s["pattern"] = v.regex.pattern
        if isinstance(v, NumberRange):
            if v.min is not None:
                s["minimum"] = v.min
            if v.max is not None:
                s["maximum"] = v.max
    s["title"] = str(field.label.text)
    if field.description:  # the help the page shows under the field (forms/: `description=`)
        s["description"] = str(field.description)
    return s


def is_required(field) -> bool:
    return any(isinstance(v, (DataRequired, InputRequired)) for v in field.validators)


def form_schema(form_cls, extra: dict | None = None, extra_required=()) -> dict:
    form = form_cls(meta={"csrf": False}) if form_cls else []
    props = {f.name: field_schema(f) for f in form}
    props.update(extra or {})
    required = [f.name for f in form if is_required(f)] + list(extra_required)
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def choice_value(choice) -> str:
    return choice.value if hasattr(choice, "value") else choice[0]
