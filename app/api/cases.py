"""Cases: open, list, read, fire a transition, read the timeline (JSON and CSV)."""
import csv
import io
import json

from flask import Response, jsonify, request, url_for
from sqlalchemy import and_, exists, func, select

from app import clock
from app.api import bp
from app.api.util import actor, json_body, paginate
from app.auth.scope import CARD_OPTIONS, load_case_in_scope, unit_by_code
from app.engine import machine
from app.engine.errors import BadRequest, Invalid
from app.engine.operations import fire, open_case
from app.extensions import db
from app.models import Case, CaseAssignee, CaseEvent, Deadline, User
from app.presenters import case_detail, case_summary


@bp.post("/cases")
def create_case():
    case_id = open_case(actor(), json_body())
    body = case_detail(load_case_in_scope(actor(), case_id), actor(), via="api:create_case")
    return jsonify(body), 201, {"Location": url_for("api.get_case", case_id=case_id)}


def _overdue_clause(now):
    return exists().where(Deadline.case_id == Case.id, Deadline.status == "open",
                          (Deadline.due_at < now) | (Deadline.level > 0))


@bp.get("/cases")
def list_cases():
    now = clock.now()
    where = [actor().case_filter()]
    args = request.args
    if state := args.get("state"):
        known = {s for d in machine.registered().values() for s in d.states}
        if state not in known:
            raise Invalid({"state": f"未知状态 / unknown state {state!r}"})
        where.append(Case.state == state)
    if school := args.get("school"):
        unit = unit_by_code(school)
        where.append(Case.school_id == (unit.id if unit else -1))
    if (overdue := args.get("overdue")) is not None:
        if overdue not in ("true", "false", "1", "0"):
            raise BadRequest("overdue 须为 true/false / overdue must be true or false", field="overdue")
        clause = _overdue_clause(now)
        where.append(clause if overdue in ("true", "1") else ~clause)
    if assignee := args.get("assignee"):
        where.append(exists().where(CaseAssignee.case_id == Case.id, CaseAssignee.user_id == User.id,
                                    User.username == assignee))
    if (open_only := args.get("open")) in ("true", "1"):
        where.append(Case.closed_at.is_(None))
    elif open_only in ("false", "0"):
        where.append(Case.closed_at.is_not(None))
    cond = and_(*where)
    overdue_col = _overdue_clause(now).label("overdue")
    query = select(Case, overdue_col).where(cond).order_by(Case.id.desc()).options(*CARD_OPTIONS)
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


def _events(case_id):
    return db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                              .order_by(CaseEvent.seq)).scalars().all()


@bp.get("/cases/<int:case_id>/timeline")
def timeline(case_id):
    case = load_case_in_scope(actor(), case_id)
    return jsonify({"case_id": case.id, "state": case.state, "events": [e.to_dict() for e in _events(case.id)]})


CSV_COLUMNS = ["seq", "at", "actor", "role", "action", "from_state", "to_state", "data", "hash"]


@bp.get("/cases/<int:case_id>/timeline.csv")
def timeline_csv(case_id):
    case = load_case_in_scope(actor(), case_id)
    out = io.StringIO()
    out.write("\ufeff")  # BOM: Excel opens UTF-8 CSV with Chinese text correctly only with it
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in _events(case.id):
        d = e.to_dict()
        d["data"] = json.dumps(d["data"], ensure_ascii=False, sort_keys=True)
        writer.writerow([_csv_safe(d[c]) for c in CSV_COLUMNS])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="case-{case.id}-timeline.csv"'})


def _csv_safe(value):
    # A cell starting with = + - @ is a formula to Excel: prefix it so user text is never executed.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
