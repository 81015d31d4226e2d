"""The supervisor's timeline: the case's history as a picture (server-side SVG) above the full event
list with the audit chain's status; printable, and exportable to CSV (the API's CSV, one writer)."""
from flask import render_template
from flask_babel import gettext
from flask_login import login_required

from app import clock, timeline

from app.audit import chain as audit
from app.auth.scope import load_case_in_scope
from app.engine import machine
from app.district.presenters import timeline_read
from app.reports import downloads
from app.views import bp
from app.views.i18n import lang
from app.auth.actor import current_actor
from app.web.limits import export_limit


@bp.get("/cases/<int:case_id>/timeline")
@login_required
def case_timeline(case_id):
    case = load_case_in_scope(current_actor(), case_id)
    defn = machine.get(case.workflow)
    events, stored, _ = timeline_read(current_actor(), case, via="page:timeline")
    deadlines = timeline.load_deadlines(case)
    model = timeline.build(case, events, deadlines, clock.now(), defn=defn)
    picture = timeline.render_svg(model, timeline.labels(case.workflow, lang()),
                                  title=f"{gettext('个案')} #{case.id}", lang=lang(), translate=gettext)
    return render_template("timeline.html", case=case, defn=defn, events=events, deadlines=deadlines,
                           chain=audit.check_chain(case, stored), picture=picture,
                           pupil=case.pupil.to_dict(masked=True) if case.pupil is not None else None)


@bp.get("/cases/<int:case_id>/timeline.csv")
@login_required
@export_limit
def case_timeline_csv(case_id):
    case = load_case_in_scope(current_actor(), case_id)
    shown, _, _ = timeline_read(current_actor(), case, via="page:timeline.csv", what="export")
    return downloads.timeline_csv(case, shown)
