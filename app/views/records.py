"""Records kept outside a case: a pupil's page (card, cases, history) and the admin-event log.

The pupil page loads the pupil in the user's scope (404 otherwise) and masks what the user's roles
may not see, as the case page does; the admin-event log is for supervisors and the admin."""
from flask import render_template, request
from flask_login import login_required
from sqlalchemy import select

from app.audit import history

from app.web import paging
from app.auth.scope import load_pupil_in_scope
from app.extensions import db
from app.models import Case
from app.district.presenters import log_personal_read, needs_personal_data
from app.views import access, bp
from app.auth.actor import current_actor

PER_PAGE = 50


@bp.get("/students/<int:student_id>")
@login_required
def student_page(student_id):
    a = current_actor()
    pupil = load_pupil_in_scope(a, student_id)
    personal = needs_personal_data(a.roles_for_path(pupil.klass.path))
    if personal:
        log_personal_read(a, pupil.id, None, "page:student")
    cases = db.session.execute(select(Case).where(Case.pupil_id == pupil.id, a.case_filter())
                               .order_by(Case.opened_at.desc())).scalars().all()
    events = [(e, history.pupil_event_dict(e, masked=not personal)) for e in history.pupil_history(pupil.id)]
    return render_template("student.html", pupil=pupil.to_dict(masked=not personal), personal=personal,
                           cases=cases, events=events)


@bp.get("/audit/admin-events")
@login_required
def admin_events_page():
    access.require("admin_events")
    action, who = history.admin_event_filters(request.args)
    rows, pages = paging.fetch(*history.admin_events_query(action, who), paging.lenient_page(request.args), PER_PAGE,
                               after=request.args.get("after"))
    return render_template("admin_events.html", events=[history.admin_event_dict(e) for e in rows],
                           actions=history.ADMIN_ACTIONS, action=action or "", who=who or "", pages=pages)
