"""The bureau's targets (GET / POST /targets) and a school's monthly abnormal 学籍 status counts
(GET / POST /status-counts): read by the report roles in their scope, set by those who may."""
from flask import jsonify, request

from app import clock
from app.api import bp
from app.api.util import json_body
from app.audit import history
from app.auth.actor import current_actor
from app.deadlines import calendar
from app.engine.validation import validated_form
from app.errors import BadRequest
from app.reports import reader, school_year, status, targets
from app.reports.targets import target_report, unit_in_scope
from forms.targets import YEARS, StatusCountsForm, TargetsForm


def _year_arg() -> int:
    raw = request.args.get("school_year", "")
    if raw == "":
        return school_year(calendar.local_date(clock.now()))[0].year
    if not raw.isdigit() or not YEARS[0] <= int(raw) <= YEARS[1]:
        raise BadRequest(f"school_year 须为 {YEARS[0]}..{YEARS[1]} 的年份 / school_year must be a year within "
                         f"{YEARS[0]}..{YEARS[1]}")
    return int(raw)


@bp.get("/targets")
def list_targets():
    return jsonify(target_report(reader(current_actor()), _year_arg()))


@bp.post("/targets")
def set_targets():
    form = validated_form(TargetsForm, json_body())
    unit = unit_in_scope(current_actor(), form.unit.data, targets.SETTERS, ("school", "district"))
    targets.set_targets(unit, history.by(current_actor()), form.school_year.data,
                        float(form.dropout_rate_max.data) / 100, float(form.retention_rate_min.data) / 100)
    return jsonify(target_report(reader(current_actor()), form.school_year.data))


@bp.get("/status-counts")
def status_series():
    return jsonify(status.series(reader(current_actor())))


@bp.post("/status-counts")
def set_status_counts():
    form = validated_form(StatusCountsForm, json_body())
    unit = unit_in_scope(current_actor(), form.school.data, status.SETTERS, ("school",), field="school")
    status.set_counts(unit, history.by(current_actor()), form.month.data, form.abnormal.data, form.other_left.data,
                      form.problem_records.data)
    return jsonify(status.series(reader(current_actor())))
