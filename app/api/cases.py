"""Cases: open, list, read, fire a transition, read the timeline (JSON and CSV)."""
from flask import jsonify, request, url_for
from sqlalchemy import func, select

from app import audit, case_filters, clock
from app.api import bp
from app.api.util import actor, json_body, paginate
from app.auth.scope import load_case_in_scope
from app.engine.operations import fire, open_case
from app.models import Case
from app.presenters import case_detail, case_summary
from app.reports import downloads
from app.limits import export_limit


@bp.post("/cases")
def create_case():
    case_id = open_case(actor(), json_body())
    body = case_detail(load_case_in_scope(actor(), case_id), actor(), via="api:create_case")
    return jsonify(body), 201, {"Location": url_for("api.get_case", case_id=case_id)}


@bp.get("/cases")
def list_cases():
    now = clock.now()
    cond = case_filters.parse(actor(), request.args, now).clause
    query = case_filters.listing(now).where(cond)
    return jsonify(paginate(query, select(func.count(Case.id)).where(cond),
                            lambda row: case_summary(row[0], overdue=bool(row[1])), scalars=False))


@bp.get("/cases/<int:case_id>")
def get_case(case_id):
    case = load_case_in_scope(actor(), case_id)
    return jsonify(case_detail(case, actor(), via="api:get_case"))


@bp.post("/cases/<int:case_id>/transitions/<trigger>")
def fire_transition(case_id, trigger):
    body = json_body()
    fire(case_id, trigger, actor(), body, version=body.get("version"))  # loads in scope itself (404)
    return jsonify(case_detail(load_case_in_scope(actor(), case_id), actor(), via=f"api:{trigger}"))


@bp.get("/cases/<int:case_id>/timeline")
def timeline(case_id):
    case = load_case_in_scope(actor(), case_id)
    return jsonify({"case_id": case.id, "state": case.state, "events": [e.to_dict() for e in audit.events(case.id)]})


@bp.get("/cases/<int:case_id>/timeline.csv")
@export_limit
def timeline_csv(case_id):
    case = load_case_in_scope(actor(), case_id)
    return downloads.timeline_csv(case, audit.events(case.id))
