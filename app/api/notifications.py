"""The caller's inbox: GET /notifications (?unread=true&kind=&case_id=, paged), POST
/notifications/{id}/read, POST /notifications/read ({"ids": [...]} or {"all": true, "kind", "case_id"}),
POST /notifications/read-all. The filters and the refusals are the notices page's (app/district/notices.py):
someone else's notice does not exist for you, and a selection naming one marks nothing."""
from flask import jsonify, request

from app import clock

from app.district import notices, worklist
from app.api import bp
from app.api.util import json_body, paginate
from app.auth.actor import current_actor
from app.errors import BadRequest
from app.extensions import db
from app.models import Notification


@bp.get("/notifications")
def list_notifications():
    flt = notices.read_filter(request.args, case_field="case_id")
    page = paginate(*notices.listing(current_actor().id, flt), lambda n: n.to_dict())
    page["unread"] = notices.unread_count(current_actor().id)
    return jsonify(page)


@bp.post("/notifications/<int:notification_id>/read")
def mark_read(notification_id):
    notices.mark_read(current_actor().id, [notification_id], clock.now())  # 404 unless the caller's
    return jsonify(db.session.get(Notification, notification_id).to_dict())


@bp.post("/notifications/read")
def mark_selected_read():
    body = json_body()
    unknown = set(body) - {"ids", "all", "kind", "case_id"}
    if unknown:
        name = sorted(unknown)[0]
        raise BadRequest(f"未知字段 {name} / unknown field {name}", field=name)
    every = notices.flag(body.get("all"), "all")
    if every == ("ids" in body):
        raise BadRequest("须给出 ids 或 all: true 之一 / give either ids or all: true", field="ids")
    now = clock.now()
    if every:
        flt = notices.read_filter({k: body[k] for k in ("kind", "case_id") if k in body and body[k] is not None},
                                  case_field="case_id")
        return jsonify({"marked": notices.mark_matching_read(current_actor().id, flt, now)})
    return jsonify({"marked": notices.mark_read(current_actor().id, notices.selected_ids(body["ids"]), now)})


@bp.post("/notifications/read-all")
def mark_all_read():
    return jsonify({"marked": worklist.mark_all_read(current_actor().id, clock.now())})
