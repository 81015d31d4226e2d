"""POST /attendance: a batch of absences (the class register of a day or a week, from a school's own
system). Every item is checked before anything is written: a bad item is 422 naming it
(`absences[2].day`), a pupil outside the caller's attendance scope 404; then all are recorded at once."""
from flask import jsonify

from app.api import bp
from app.api.util import json_body, require_role
from app.attendance.absences import Mark, attendance_scope, check, record
from app.audit import history
from app.auth.actor import current_actor
from app.auth.roles import ATTENDANCE_ROLES
from app.engine.validation import validated_form
from app.errors import Invalid
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
