"""The printable monthly report of one frozen version (月报表): what was submitted, the counts frozen
with it, and its two hashes for signing and stamping, so the paper anchors the audit."""
import json

from flask import abort, render_template

from flask_login import login_required

from app.auth.actor import current_actor
from app.auth.scope import load_case_in_scope
from app.reports import export, frozen
from app.views import bp

# The counts printed: the monthly report's whole-number columns, as frozen with the version.
PRINTED_COUNTS = [(key, column.header) for key, column in export.FIGURE_COLUMNS if column.kind == "int"]


@bp.get("/cases/<int:case_id>/report-versions/<int:n>/print")
@login_required
def report_version_print(case_id, n):
    case = load_case_in_scope(current_actor(), case_id)
    v = frozen.version(case.id, n)
    if v is None:
        abort(404)
    snap = json.loads(v.snapshot)
    return render_template("report_version.html", case=case, v=v, snap=snap, counts=PRINTED_COUNTS,
                           figure_fields=frozen.figure_labels(case, n))
