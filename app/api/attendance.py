"""POST /attendance: a batch of absences (the class register of a day or a week, from a school's own
system). Every item is checked before anything is written: a bad item is 422 naming it
(`absences[2].day`), a pupil outside the caller's attendance scope 404; then all are recorded at once."""
from flask import jsonify, request

from app.api import bp
from app.api.util import int_arg, json_body, page_body, require_role
from app.attendance import risk_list
from app.attendance.absences import Mark, attendance_scope, check, record
from app.audit import history
from app.auth.actor import current_actor
from app.auth.roles import ATTENDANCE_ROLES, RISK_READERS
from app.auth.scope import unit_by_code
from app.district.presenters import needs_personal_data
from app.engine.validation import validated_form
from app.errors import BadRequest, Invalid, NotFound
from app.models import OrgUnit
from app.models.pupils import mask_name
from forms.attendance import AbsenceForm

MAX_ITEMS = 2000


def marks_from(body: dict) -> list[Mark]:
    """The batch's items as marks, or Invalid naming every bad item's field."""
    extra = {k: "未知字段 / unknown field" for k in body if k != "absences"}
    items = body.get("absences")
    if not isinstance(items, list) or not items:
        raise Invalid({**extra, "absences": "须为非空数组 / must be a non-empty array"})
    if len(items) > MAX_ITEMS:
        raise Invalid({"absences": f"一次最多 {MAX_ITEMS} 条 / at most {MAX_ITEMS} items per request"})
    errors, marks = dict(extra), []
    for i, item in enumerate(items):
        try:
            form = validated_form(AbsenceForm, item, ignore=(), reuse=True)
        except Invalid as e:
            errors.update({f"absences[{i}].{k}": v for k, v in e.extra["fields"].items()})
            continue
        marks.append(Mark(form.student_id.data, form.day.data, bool(form.excused.data), form.reason.data or ""))
    if errors:
        raise Invalid(errors)
    return marks


@bp.post("/attendance")
def post_attendance():
    require_role(*ATTENDANCE_ROLES)
    actor = current_actor()
    marks = marks_from(json_body())
    check(marks, attendance_scope(actor))
    return jsonify({**record(marks, history.by(actor)), "absences": len(marks)})


@bp.get("/risk-list")
def get_risk_list():
    """The risk list (重点生) in the caller's scope, or of one school or class (`unit`); names masked
    for the roles that do not need them."""
    require_role(*RISK_READERS)
    actor = current_actor()
    unit_path = None
    if code := request.args.get("unit"):
        if len(code) > 64:
            raise BadRequest("unit 过长 / unit is too long", field="unit")
        unit = unit_by_code(code)
        if unit is None or not actor.roles_for_path(unit.path):
            raise NotFound("没有这个单位, 或不在您的范围内 / no such unit in your scope")
        unit_path = unit.path
    rows, meta = risk_list.entries(actor.unit_filter(OrgUnit.path), unit_path, int_arg("page", 1),
                                   int_arg("per_page", risk_list.PER_PAGE, 1, 200))
    return jsonify(page_body([_risk_item(actor, r) for r in rows], meta))


def _risk_item(actor, r) -> dict:
    personal = needs_personal_data(actor.roles_for_path(r.pupil.klass.path))
    a = r.last_absence
    return {"student_id": r.pupil.id, "name": r.pupil.name if personal else mask_name(r.pupil.name),
            "class": r.pupil.klass.code, "reasons": r.entry.reasons,
            "trackers": [u.username for u in r.trackers], "tracker_named": r.entry.tracker_id is not None,
            "listed_at": r.entry.listed_at.isoformat() + "Z",
            "last_absence": {"day": a.day.isoformat(), "excused": a.excused, "reason": a.reason} if a else None,
            "last_visit": r.last_visit.isoformat() if r.last_visit else None, "open_case_id": r.open_case_id}
