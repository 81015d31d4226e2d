"""Pupils on the roster: create, search (masked), import a CSV/XLSX roster."""
from flask import jsonify, request
from sqlalchemy import func, or_, select

from app.audit import history
from app.api import bp
from app.api.util import json_body, paginate, require_role
from app.auth.actor import current_actor
from app.auth.scope import load_pupil_in_scope, unit_by_code
from app.errors import BadRequest, Invalid
from app.engine.validation import validated_form
from app.roster.importer import (
    ImportFileError,
    class_codes,
    import_pupils,
    number_warnings,
    pupil_values,
    read_rows,
)
from app.models import FormerNumber, OrgUnit, Pupil
from app.district.presenters import log_personal_read, needs_personal_data
from app.web.keyset import Keys
from app.web.limits import import_limit
from app.auth.roles import ROSTER_ROLES
from app.roster.pupils import create_pupil, roster_scope
from forms.pupils import PupilForm


@bp.post("/students")
def create_student():
    require_role(*ROSTER_ROLES)
    form = validated_form(PupilForm, json_body())
    scope = roster_scope(current_actor())
    values, errors = pupil_values(form.data, class_codes(scope))
    if errors:
        raise Invalid(errors)
    pupil = create_pupil(values, form.data["class_code"], scope, history.by(current_actor()))
    # Registered as given (the registry allows a corrected ID); what a person should look at is said.
    return jsonify({**pupil.to_dict(masked=False),
                    "warnings": number_warnings(pupil.student_no, pupil.birth_date)}), 201


@bp.get("/students")
def list_students():
    a = current_actor()
    where = [a.unit_filter(OrgUnit.path)]
    if school := request.args.get("school"):
        unit = unit_by_code(school)
        where.append(OrgUnit.path.startswith(unit.path if unit else "/none/"))
    if klass := request.args.get("class"):
        where.append(OrgUnit.code == klass)
    if q := request.args.get("q", "").strip():
        if len(q) > 50:
            raise BadRequest("q 过长 / q is too long", field="q")
        where.append(or_(Pupil.name.contains(q, autoescape=True), Pupil.student_no.startswith(q, autoescape=True),
                         Pupil.id.in_(select(FormerNumber.pupil_id).where(  # an old L/J number finds the pupil
                             FormerNumber.student_no.startswith(q, autoescape=True)))))
    query = Keys(Pupil.id, descending=False).sorted(select(Pupil).join(OrgUnit, Pupil.class_id == OrgUnit.id).where(*where))
    count = select(func.count(Pupil.id)).join(OrgUnit, Pupil.class_id == OrgUnit.id).where(*where)
    return jsonify(paginate(query, count, lambda p: p.to_dict(masked=True)))


@bp.get("/students/<int:student_id>")
def get_student(student_id):
    a = current_actor()
    pupil = load_pupil_in_scope(a, student_id)
    if needs_personal_data(a.roles_for_path(pupil.klass.path)):
        log_personal_read(a, pupil.id, None, "api:get_student")
        return jsonify(pupil.to_dict(masked=False))
    return jsonify(pupil.to_dict(masked=True))


@bp.post("/students/import")
@import_limit
def import_students():
    require_role(*ROSTER_ROLES)
    upload = request.files.get("file")
    if upload is not None:
        data, filename = upload.read(), upload.filename or ""
    else:
        kind = request.mimetype
        data = request.get_data()
        filename = {"text/csv": "upload.csv",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "upload.xlsx"
                    }.get(kind, request.args.get("filename", ""))
    if not data:
        raise Invalid({"file": "须上传 CSV 或 XLSX 文件 / a CSV or XLSX file is required"})
    try:
        report = import_pupils(read_rows(data, filename), scope=roster_scope(current_actor()), who=history.by(current_actor()),
                               via="api", filename=filename)
    except ImportFileError as e:
        raise Invalid({"file": str(e)}) from None
    return jsonify(report.to_dict())


@bp.get("/students/<int:student_id>/history")
def student_history(student_id):
    """Every change to the pupil, oldest first; personal values masked for roles with masked cards."""
    a = current_actor()
    pupil = load_pupil_in_scope(a, student_id)
    masked = not needs_personal_data(a.roles_for_path(pupil.klass.path))
    if not masked:  # old values are personal data too
        log_personal_read(a, pupil.id, None, "api:student_history")
    return jsonify({"student_id": pupil.id,
                    "events": [history.pupil_event_dict(e, masked=masked) for e in history.pupil_history(pupil.id)]})
