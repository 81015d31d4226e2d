"""Cases: open, list, read, fire a transition, read the timeline (JSON and CSV)."""
from flask import jsonify, request, url_for
from sqlalchemy import func, select

from app import clock

from app.district import filters as case_filters
from app.api import bp
from app.api.util import after_arg, int_arg, json_body, page_body
from app.auth.actor import current_actor
from app.auth.scope import load_case_in_scope
from app.errors import AlreadyDone, BadRequest
from app.evidence import files as evidence, serving
from app.engine.operations import fire, open_case
from app.models import Case
from app.district.presenters import case_detail, case_summary, timeline_read
from app.reports import downloads
from app.web import counting, paging
from app.web.limits import export_limit


@bp.post("/cases")
def create_case():
    body = json_body()
    # "workflow" picks the definition (absent: the first, so clients written for one workflow still work);
    # the rest is its open form.
    case_id = open_case(current_actor(), {k: v for k, v in body.items() if k != "workflow"}, body.get("workflow"))
    body = case_detail(load_case_in_scope(current_actor(), case_id), current_actor(), via="api:create_case")
    return jsonify(body), 201, {"Location": url_for("api.get_case", case_id=case_id)}


@bp.get("/cases")
def list_cases():
    return _list(request.args)


@bp.post("/cases/search")
def search_cases():
    """The list with its filters in a JSON body: a name or 学籍号 searched for stays out of the URL (and so
    out of every proxy's and server's request log). Paging stays in the query string."""
    body = json_body()
    wrong = [k for k, v in body.items() if k in case_filters.FILTERS and not isinstance(v, (str, int, bool))]
    if wrong:
        raise BadRequest(f"{wrong[0]} 须为字符串 / {wrong[0]} must be a string", field=wrong[0])
    return _list({k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in body.items()
                  if k in case_filters.FILTERS})


def _list(args):
    """One page, sorted by ?sort=&dir= (the id breaks ties): by ?after= (the previous page's `next`) at
    any depth for the cost of the first, or by ?page= (OFFSET over the ids alone). `total` is exact up
    to a cap, else the planner's estimate (`total_exact: false`)."""
    now = clock.now()
    flt = case_filters.parse(current_actor(), args, now)
    page, per_page = int_arg("page", 1), int_arg("per_page", 50, 1, 200)
    found = case_filters.page_of(flt, now, page, per_page, after_arg())
    total, exact = counting.about(select(func.count(Case.id)).where(flt.clause))
    meta = paging.meta(page, per_page, total, exact, found.next_after, more=found.more)
    return jsonify(page_body([case_summary(case, overdue=bool(overdue)) for case, overdue in found.rows], meta))


@bp.get("/cases/<int:case_id>")
def get_case(case_id):
    case = load_case_in_scope(current_actor(), case_id)
    return jsonify(case_detail(case, current_actor(), via="api:get_case"))


@bp.post("/cases/<int:case_id>/transitions/<trigger>")
def fire_transition(case_id, trigger):
    body = json_body()
    key = body.pop("client_key", None) if isinstance(body, dict) else None
    try:
        fire(case_id, trigger, current_actor(), body, version=body.get("version"), client_key=key,
             files=evidence.from_request())  # 404 inside
    except AlreadyDone:
        pass  # the same posting sent again (a retry after a lost answer): answered like the first, not recorded
    return jsonify(case_detail(load_case_in_scope(current_actor(), case_id), current_actor(), via=f"api:{trigger}"))


@bp.get("/cases/<int:case_id>/files/<sha256>")
def case_file(case_id, sha256):
    """An evidence file a step of the case carried, by its SHA-256 (the step's event names it)."""
    case = load_case_in_scope(current_actor(), case_id)
    return serving.send(current_actor(), case, sha256, via="api:case_file")


@bp.get("/cases/<int:case_id>/timeline")
def timeline(case_id):
    case = load_case_in_scope(current_actor(), case_id)
    shown, _, masked = timeline_read(current_actor(), case, via="api:timeline")
    # `masked`: the form data shown is not what the hashes cover (they cover the stored, unmasked data).
    return jsonify({"case_id": case.id, "state": case.state, "masked": masked,
                    "events": [e.to_dict() for e in shown]})


@bp.get("/cases/<int:case_id>/timeline.csv")
@export_limit
def timeline_csv(case_id):
    case = load_case_in_scope(current_actor(), case_id)
    shown, _, _ = timeline_read(current_actor(), case, via="api:timeline.csv", what="export")
    return downloads.timeline_csv(case, shown)
