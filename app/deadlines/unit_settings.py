"""Numbers the bureau sets per unit for the clocks: a due point naming a `setting` (the monthly report's
due day) takes the value set on the nearest unit above the case (its county), else its own number.

Which settings exist, and their bounds, come from the definitions' due points: nothing is named here.
A setting changed applies to deadlines opened from then on; open ones keep the day they were given.
"""
from sqlalchemy import func, select

from app import clock
from app.engine import machine
from app.errors import Invalid, NotFound, NotPermitted
from app.extensions import db
from app.models import OrgUnit, UnitSetting

BOUNDS = {"working_days": (0, 365), "months": (0, 120), "day_of_month": (1, 31)}
SETTERS = ("bureau_officer", "bureau_head")  # the bureau sets its county's numbers


def known() -> dict:
    """{setting name: (the definitions' default, (min, max))} of every setting a due point names."""
    out = {}
    for defn in machine.registered().values():
        for c in defn.clocks:
            for point in c.due:
                if point.get("setting"):
                    kind = next(k for k in BOUNDS if k in point)
                    out[point["setting"]] = (point[kind], BOUNDS[kind])
    return out


def value(name: str, unit_path: str) -> int | None:
    """The setting `name` of the nearest unit at or above `unit_path` that has one (None: none has)."""
    row = db.session.execute(
        select(UnitSetting.value).join(OrgUnit, OrgUnit.id == UnitSetting.unit_id)
        .where(UnitSetting.name == name, func.substr(unit_path, 1, func.length(OrgUnit.path)) == OrgUnit.path)
        .order_by(func.length(OrgUnit.path).desc()).limit(1)).scalar_one_or_none()
    return row


def describe(name: str, unit: OrgUnit) -> dict:
    default, (low, high) = known()[name]
    current = value(name, unit.path)
    return {"name": name, "unit": unit.code, "value": default if current is None else current,
            "default": default, "set": current is not None, "min": low, "max": high}


def load(actor, name: str, code: str) -> OrgUnit:
    """The unit `code` in the actor's scope (404 otherwise) for a known setting `name` (404 otherwise)."""
    if name not in known():
        raise NotFound(f"没有这个设置 / no such setting {name!r}")
    unit = db.session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()
    if unit is None or not actor.roles_for_path(unit.path):
        raise NotFound("没有这个单位 / no such unit")
    return unit


def check_setter(actor, unit: OrgUnit) -> None:
    if not set(SETTERS) & actor.roles_for_path(unit.path):
        raise NotPermitted("只有教育局可以修改 / only the bureau sets this", roles_allowed=list(SETTERS))


def put(actor, name: str, unit: OrgUnit, data: dict) -> dict:
    low, high = known()[name][1]
    number = data["value"]
    if not low <= number <= high:
        raise Invalid({"value": f"须在 {low}–{high} 之间 / must be within {low}..{high}"})
    row = db.session.execute(select(UnitSetting).where(UnitSetting.unit_id == unit.id, UnitSetting.name == name)
                             ).scalar_one_or_none()
    if row is None:
        row = UnitSetting(unit_id=unit.id, name=name)
        db.session.add(row)
    row.value, row.set_by, row.set_at = number, actor.id, clock.now()
    db.session.commit()
    return describe(name, unit)
