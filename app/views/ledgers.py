"""The three ledgers (三本台账) on screen: one ledger a page at a time, by school, its counts, its
strike-offs (销号记录) and the official XLSX. Report readers only (403), in their scope (a school
outside it: 404); the data is app/ledgers."""
from flask import Response, render_template, request
from flask_login import login_required

from app.auth.actor import current_actor
from app.district.filters import schools_in_scope
from app.ledgers import ENTRY_KINDS, LEDGERS, TITLES, service
from app.reports import reader
from app.reports.downloads import MIMETYPES, attachment
from app.views import bp
from app.web import paging
from app.web.limits import export_limit


@bp.get("/ledgers")
@login_required
def ledgers_page():
    a = service.ask(request.args.get("ledger") or "suspected", request.args)
    actor = current_actor()
    data = service.page(actor, a, paging.lenient_page(request.args), 50)
    meta = {k: data[k] for k in ("page", "per_page", "total", "pages")}
    return render_template("ledgers.html", data=data, meta=meta, ask=a, ledgers=LEDGERS, titles=TITLES,
                           kinds=ENTRY_KINDS, schools=schools_in_scope(reader(actor)),
                           query={"ledger": a.ledger, "school": a.school, "history": "1" if a.history else ""})


@bp.get("/ledgers/<ledger>.xlsx")
@login_required
@export_limit
def ledger_download(ledger):
    body, name = service.xlsx(current_actor(), service.ask(ledger, request.args))
    return Response(body, mimetype=MIMETYPES["xlsx"],
                    headers={"Content-Disposition": attachment(f"{name}.xlsx", f"ledger-{ledger}.xlsx")})
