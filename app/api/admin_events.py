"""GET /admin-events: the admin-event log, newest first, for supervisors and the admin."""
from flask import jsonify, request

from app import history
from app.api import bp
from app.api.util import paginate, require_role
from app.engine.errors import BadRequest
from app.history import ADMIN_EVENT_READERS


def filters() -> tuple[str | None, str | None]:
    """The action and actor filters of a request (page and API alike); an unknown action is 400."""
    action = request.args.get("action", "").strip() or None
    if action and action not in history.ADMIN_ACTIONS:
        raise BadRequest(f"action 须为 {', '.join(history.ADMIN_ACTIONS)} 之一 / action must be one of "
                         f"{', '.join(history.ADMIN_ACTIONS)}", field="action")
    who = request.args.get("actor", "").strip() or None
    if who and len(who) > 64:
        raise BadRequest("actor 过长 / actor is too long", field="actor")
    return action, who


@bp.get("/admin-events")
def list_admin_events():
    require_role(*ADMIN_EVENT_READERS)
    query, count = history.admin_events_query(*filters())
    return jsonify(paginate(query, count, history.admin_event_dict))
