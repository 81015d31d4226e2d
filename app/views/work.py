"""工作台: what is waiting on me, deadlines coming up, my unread notices."""
from flask import g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import clock

from app.district import saved, worklist
from app.auth.scope import load_or_404
from app.errors import NotFound
from app.extensions import db
from app.models import Notification
from app.views import bp
from app.auth.actor import current_actor

WORK_NOTICES = 5  # the newest unread ones; the rest, and the history, on /notices


@bp.get("/work")
@login_required
def workbench():
    now = clock.now()
    cases, waiting_total = worklist.waiting_cases(current_actor())
    deadlines = worklist.upcoming_deadlines(current_actor(), now)
    notices, unread_total = worklist.unread_notifications(current_user.id, limit=WORK_NOTICES)
    g.unread_notices = unread_total  # the header's counter: the same number, not counted twice
    return render_template("work.html", cases=cases, waiting_total=waiting_total, deadlines=deadlines,
                           notices=notices, unread_total=unread_total, now=now,
                           saved_filters=saved.visible(current_actor()),
                           notices_total=worklist.notifications_total(current_user.id),
                           days_left=worklist.working_days_left)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def notification_read(notification_id):
    note = load_or_404(Notification, notification_id, "没有这条通知 / no such notification")
    if note.user_id != current_user.id:  # someone else's notice does not exist for you
        raise NotFound("没有这条通知 / no such notification")
    if note.read_at is None:
        note.read_at = clock.now()
        db.session.commit()
    if request.form.get("open") and note.case_id:
        return redirect(url_for("views.case_page", case_id=note.case_id))
    return redirect(url_for("views.workbench"))


@bp.post("/notifications/read-all")
@login_required
def notifications_read_all():
    worklist.mark_all_read(current_user.id, clock.now())
    return redirect(url_for("views.workbench"))


@bp.post("/work/filters")
@login_required
def saved_filter_add():
    """Save the case list's current filter under a name (422 naming the field, nothing written)."""
    saved.save(current_actor(), request.form.get("name", ""), request.form.get("query", ""),
               request.form.get("unit") or None, clock.now())
    return redirect(url_for("views.workbench") + "#saved-filters", 303)


@bp.get("/work/filters/<int:filter_id>")
@login_required
def saved_filter_open(filter_id):
    """Open a saved filter: the case list with its arguments (the list applies the viewer's own scope)."""
    row = saved.load_visible(current_actor(), filter_id)
    return redirect(url_for("views.case_list", **saved.arguments(row)))


@bp.post("/work/filters/<int:filter_id>/delete")
@login_required
def saved_filter_delete(filter_id):
    saved.delete(current_actor(), filter_id)
    return redirect(url_for("views.workbench") + "#saved-filters", 303)
