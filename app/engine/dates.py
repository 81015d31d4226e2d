"""Dates a step's form carries say when things happened in the world; this module checks them.

Every date field of a form is checked the same way, whatever the workflow: not after today (the
district's local day), not before the birth of the pupil the case belongs to, and not before the case
dates the definition orders it after (a trigger's "dates"). The case's own dates are its opened_on
(its column, named as the open form's `dated_by` field: definition.opened_on_name) and the dates steps record (a trigger's "records", a state's "stamps"), kept in vars["dates"]
as ISO strings so that a definition may add dates without a migration.
"""
from datetime import date, datetime

from app.deadlines.calendar import local_date
from app.engine.validation import date_fields

DATES_VAR = "dates"


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def case_dates(case, opened_on_name: str) -> dict[str, date]:
    """The case's own dates: the day it counts from (under its definition's name) and the dates its steps
    recorded."""
    recorded = (case.vars or {}).get(DATES_VAR) or {}
    return {opened_on_name: _day(case.opened_on), **{k: _day(v) for k, v in recorded.items()}}


def check(form_cls, data: dict, *, today: date, birth: date | None, order=(), known=None,
          labels=None) -> dict[str, str]:
    """{field: "中文 / English"} for every date of `data` that cannot be true; empty when all hold.

    order: (field, (case date names)) pairs, the field may not be before any of those that the case
    has (a date the case has not recorded yet orders nothing); labels: case date -> (中文, English)."""
    errors = {}
    after = dict(order)
    for name, label in date_fields(form_cls).items():
        day = _day(data.get(name))
        if day is None:
            continue
        if day > today:
            errors[name] = f"{label}不能晚于今天 / cannot be in the future"
        elif birth is not None and day < birth:
            errors[name] = f"{label}早于出生日期 / before the pupil's birth date"
        else:
            for other in after.get(name, ()):
                bound = (known or {}).get(other)
                if bound is not None and day < bound:
                    zh, en = (labels or {}).get(other, (other, other))
                    errors[name] = f"{label}不能早于{zh}({bound}) / cannot be before {en} ({bound})"
                    break
    return errors


def occurred_on(field: str | None, data: dict, now: datetime) -> date:
    """The day the step happened: its declared date field when filled, else the local day it is recorded."""
    return _day(data.get(field)) if field and data.get(field) else local_date(now)


def record(vars_: dict, names, data: dict, stamp: str | None, day: date) -> None:
    """Keep the step's recorded dates (and the entered state's stamp, `day`) in the case's vars."""
    kept = dict(vars_.get(DATES_VAR) or {})
    for name in names:
        if data.get(name):
            kept[name] = _day(data[name]).isoformat()
    if stamp:
        kept[stamp] = day.isoformat()
    if kept:
        vars_[DATES_VAR] = kept
