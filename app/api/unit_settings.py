"""Unit settings: the numbers the bureau sets for its county's clocks (app/deadlines/unit_settings.py)."""
from flask import jsonify

from app.api import bp
from app.api.util import json_body
from app.auth.actor import current_actor
from app.deadlines import unit_settings
from app.engine.validation import validate_payload
from forms.settings import UnitSettingForm


@bp.get("/units/<code>/settings/<name>")
def get_unit_setting(code, name):
    unit = unit_settings.load(current_actor(), name, code)
    return jsonify(unit_settings.describe(name, unit))


@bp.post("/units/<code>/settings/<name>")
def put_unit_setting(code, name):
    unit = unit_settings.load(current_actor(), name, code)
    unit_settings.check_setter(current_actor(), unit)
    data = validate_payload(UnitSettingForm, json_body())
    return jsonify(unit_settings.put(current_actor(), name, unit, data))
