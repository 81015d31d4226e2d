"""A report case's frozen versions: every submission as it was frozen (app/reports/frozen.py)."""
from flask import jsonify

from app.api import bp
from app.auth.actor import current_actor
from app.auth.scope import load_case_in_scope
from app.errors import NotFound
from app.reports import frozen


@bp.get("/cases/<int:case_id>/report-versions")
def report_versions(case_id):
    case = load_case_in_scope(current_actor(), case_id)
    return jsonify({"case_id": case.id, "versions": [frozen.summary(v) for v in frozen.versions(case.id)]})


@bp.get("/cases/<int:case_id>/report-versions/<int:n>")
def report_version(case_id, n):
    case = load_case_in_scope(current_actor(), case_id)
    v = frozen.version(case.id, n)
    if v is None:
        raise NotFound("没有这个版本 / no such version")
    return jsonify(frozen.export(v))
