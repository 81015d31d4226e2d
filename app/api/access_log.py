"""GET /access-log: who read which pupil's data or timeline, when, through what (supervisors)."""
from flask import jsonify, request

from app.privacy import access_log
from app.api import bp
from app.api.util import paginate, require_role
from app.auth.actor import current_actor
from app.auth.roles import AUDIT_ROLES


@bp.get("/access-log")
def list_access_log():
    require_role(*AUDIT_ROLES)
    rows, count = access_log.query(current_actor(), **access_log.filters(request.args))
    return jsonify(paginate(rows, count, access_log.row, scalars=False))
