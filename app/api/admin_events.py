"""GET /admin-events: the admin-event log, newest first, for supervisors and the admin."""
from flask import jsonify, request

from app.audit import history
from app.api import bp
from app.api.util import paginate, require_role
from app.auth.roles import ADMIN_EVENT_READERS


@bp.get("/admin-events")
def list_admin_events():
    require_role(*ADMIN_EVENT_READERS)
    query, count = history.admin_events_query(*history.admin_event_filters(request.args))
    return jsonify(paginate(query, count, history.admin_event_dict))
