"""The three ledgers (三本台账) over the API: their counts, one page of a ledger (or its strike-offs) and
the official XLSX. Report readers only (403), in their scope (a school outside it: 404)."""
from flask import Response, jsonify, request

from app.api import bp
from app.api.util import int_arg, next_link
from app.auth.actor import current_actor
from app.ledgers import service
from app.reports.downloads import MIMETYPES, attachment
from app.web.limits import export_limit


@bp.get("/ledgers")
def ledger_counts():
    return jsonify(service.counts(current_actor(), request.args.get("school", "")))


@bp.get("/ledgers/<ledger>")
def ledger_page(ledger):
    a = service.ask(ledger, request.args)
    body = service.page(current_actor(), a, int_arg("page", 1), int_arg("per_page", 50, 1, 200))
    return jsonify({**body, "next": next_link(body["next_after"])})


@bp.get("/ledgers/<ledger>.xlsx")
@export_limit
def ledger_xlsx(ledger):
    body, name = service.xlsx(current_actor(), service.ask(ledger, request.args))
    return Response(body, mimetype=MIMETYPES["xlsx"],
                    headers={"Content-Disposition": attachment(f"{name}.xlsx", f"ledger-{ledger}.xlsx")})
