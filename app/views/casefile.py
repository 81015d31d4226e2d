"""The printed case file (辍学学生档案 and the like) and the official forms its workflow declares, each an
A4 PDF: load the case in scope (404 outside it, as the case page) -> log the read -> assemble -> render.
Any role that sees the case may print what it sees: the same masking as the case page."""
from flask import Response, render_template
from flask_login import login_required

from app.audit import chain as audit
from app.auth.actor import current_actor
from app.auth.scope import load_case_in_scope
from app.casefile import document, pdf
from app.district.presenters import log_personal_read, masker_for, needs_personal_data, shown_events
from app.engine import machine
from app.errors import NotFound
from app.views import bp


def _pdf(case_id: int, template: str, via: str, filename: str, **extra):
    actor = current_actor()
    case = load_case_in_scope(actor, case_id)
    defn = machine.get(case.workflow)
    roles = actor.roles_for(case)
    personal = needs_personal_data(roles)
    doc = extra.pop("doc_name", None)
    wanted = document.document(defn, doc) if doc else None
    if doc and wanted is None:
        raise NotFound("没有这份文书 / no such document")
    # A printed file leaves the system: every one about a child is logged, masked or not.
    log_personal_read(actor, case.pupil_id, case.id, via, "export")
    events = shown_events(audit.events(case.id), masker_for(case, roles))
    data = document.assemble(defn, case, events, personal=personal)
    if wanted is not None:
        data["only"] = next((d, f) for d, f in data["documents"] if d is wanted)
    html = render_template("casefile/document.html" if wanted else template, **data)
    return Response(pdf.render(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"',
                             "Cache-Control": "no-store"})


@bp.get("/cases/<int:case_id>/file.pdf")
@login_required
def case_file_pdf(case_id):
    return _pdf(case_id, "casefile/file.html", "pdf:file", f"case-{case_id}.pdf")


@bp.get("/cases/<int:case_id>/documents/<name>.pdf")
@login_required
def case_document_pdf(case_id, name):
    return _pdf(case_id, "", f"pdf:{name}"[:100], f"case-{case_id}-{name}.pdf", doc_name=name)
