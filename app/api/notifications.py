"""The caller's inbox: GET /notifications (?unread=true), POST /notifications/{id}/read, POST
/notifications/read-all."""
from flask import jsonify, request
from sqlalchemy import func, select

from app import clock

from app.district import worklist
from app.api import bp
from app.api.util import paginate
from app.auth.actor import current_actor
from app.auth.scope import load_or_404
from app.errors import BadRequest, NotFound
from app.extensions import db
from app.models import Notification


@bp.get("/notifications")
def list_notifications():
    where = [Notification.user_id == current_actor().id]
    unread = request.args.get("unread")
    if unread not in (None, "true", "false", "1", "0"):
        raise BadRequest("unread 须为 true/false / unread must be true or false", field="unread")
    if unread in ("true", "1"):
        where.append(Notification.read_at.is_(None))
    query = select(Notification).where(*where).order_by(Notification.id.desc())
    page = paginate(query, select(func.count(Notification.id)).where(*where), lambda n: n.to_dict())
    page["unread"] = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == current_actor().id, Notification.read_at.is_(None)))
    return jsonify(page)


@bp.post("/notifications/<int:notification_id>/read")
def mark_read(notification_id):
    note = load_or_404(Notification, notification_id, "没有这条通知 / no such notification")
    if note.user_id != current_actor().id:  # someone else's notice does not exist for you
        raise NotFound("没有这条通知 / no such notification")
    if note.read_at is None:
        note.read_at = clock.now()
        db.session.commit()
    return jsonify(note.to_dict())


@bp.post("/notifications/read-all")
def mark_all_read():
    return jsonify({"marked": worklist.mark_all_read(current_actor().id, clock.now())})
