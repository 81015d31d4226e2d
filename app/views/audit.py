"""The access log page (/audit/access): who read which pupil's data or timeline, when (supervisors)."""
from flask import render_template, request
from flask_login import login_required

from app.privacy import access_log

from app.web import paging
from app.views import access, bp
from app.auth.actor import current_actor

PER_PAGE = 50


@bp.get("/audit/access")
@login_required
def access_log_page():
    access.require("access_log")
    flt = access_log.filters(request.args)
    rows, pages = paging.fetch(*access_log.query(current_actor(), **flt), paging.lenient_page(request.args), PER_PAGE,
                               scalars=False, after=request.args.get("after"))
    entries = [{**access_log.row(r), "at_dt": r[0].at} for r in rows]
    kept = {k: v for k, v in flt.items() if v is not None}
    return render_template("access_log.html", entries=entries, pages=pages, filters=kept)
