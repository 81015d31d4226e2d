"""Pupils on the roster: create, search (masked), import a CSV/XLSX roster."""
from flask import jsonify, request
from sqlalchemy import func, or_, select

from app.api import bp
from app.api.util import actor, json_body, paginate, require_role
from app.auth.scope import MAX_ID, unit_by_code
from app.engine.errors import BadRequest, Conflict, Invalid, NotFound
from app.engine.validation import validated_form
from app.extensions import db
from app.importer import (
    ImportFileError,
    class_codes,
    import_pupils,
    pupil_values,
    read_rows,
)
from app.models import OrgUnit, Pupil
from app.presenters import log_personal_read, needs_personal_data
from app.limits import import_limit
from forms.pupils import PupilForm

ROSTER_ROLES = ("school_admin", "bureau_officer", "admin")


def _roster_scope():
    """Classes the caller may put pupils into: everything for admin, else their school/district grants."""
    a = actor()
    if a.has_role("admin"):
        return None
    paths = [g.path for g in a.grants if g.role in ("school_admin", "bureau_officer")]
    return lambda col: or_(*[col.startswith(p, autoescape=True) for p in paths])


@bp.post("/students")
def create_student():
    require_role(*ROSTER_ROLES)
    form = validated_form(PupilForm, json_body())
    values, errors = pupil_values(form.data, class_codes(_roster_scope()))
    if errors:
        raise Invalid(errors)
    if db.session.execute(select(Pupil.id).where(Pupil.student_no == values["student_no"])).first():
        raise Conflict("学籍号已存在 / a pupil with this 学籍号 exists", fields={"student_no": "already exists"})
    pupil = Pupil(**values)
    db.session.add(pupil)
    db.session.commit()
    return jsonify(pupil.to_dict(masked=False)), 201


@bp.get("/students")
def list_students():
    a = actor()
    where = [a.unit_filter(OrgUnit.path)]
    if school := request.args.get("school"):
        unit = unit_by_code(school)
        where.append(OrgUnit.path.startswith(unit.path if unit else "/none/"))
    if klass := request.args.get("class"):
        where.append(OrgUnit.code == klass)
    if q := request.args.get("q", "").strip():
        if len(q) > 50:
            raise BadRequest("q 过长 / q is too long", field="q")
        where.append(or_(Pupil.name.contains(q, autoescape=True), Pupil.student_no.startswith(q, autoescape=True)))
    query = select(Pupil).join(OrgUnit, Pupil.class_id == OrgUnit.id).where(*where).order_by(Pupil.id)
    count = select(func.count(Pupil.id)).join(OrgUnit, Pupil.class_id == OrgUnit.id).where(*where)
    return jsonify(paginate(query, count, lambda p: p.to_dict(masked=True)))


@bp.get("/students/<int:student_id>")
def get_student(student_id):
    a = actor()
    if student_id > MAX_ID:
        raise NotFound("没有这个学生 / no such pupil")
    pupil = db.session.execute(select(Pupil).join(OrgUnit, Pupil.class_id == OrgUnit.id)
                               .where(Pupil.id == student_id, a.unit_filter(OrgUnit.path))).scalar_one_or_none()
    if pupil is None:
        raise NotFound("没有这个学生 / no such pupil")
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
        report = import_pupils(read_rows(data, filename), classes=class_codes(_roster_scope()))
    except ImportFileError as e:
        raise Invalid({"file": str(e)}) from None
    return jsonify(report.to_dict())
