"""The access log page (/audit/access): who read which pupil's data or timeline, when (supervisors)."""
from flask import render_template, request
from flask_login import login_required

from app import access_log
from app.extensions import db
from app.views import access, bp
from app.views.setup import actor

PER_PAGE = 50


@bp.get("/audit/access")
@login_required
def access_log_page():
    access.require("access_log")
    flt = access_log.filters(request.args)
    page = max(1, request.args.get("page", 1, type=int))
    rows, count = access_log.query(actor(), **flt)
    total = db.session.execute(count).scalar_one()
    entries = [{**access_log.row(r), "at_dt": r[0].at}
               for r in db.session.execute(rows.limit(PER_PAGE).offset((page - 1) * PER_PAGE))]
    pages = {"page": page, "pages": (total + PER_PAGE - 1) // PER_PAGE, "total": total}
    kept = {k: v for k, v in flt.items() if v is not None}
    return render_template("access_log.html", entries=entries, pages=pages, filters=kept)
