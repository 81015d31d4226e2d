"""The home-visit register over the API: record a visit to a pupil in scope (school staff), and read the
register (the register's visits and the cases' visit steps), a page at a time."""
from flask import jsonify, request

from app.api import bp
from app.api.util import int_arg, json_body, paginate
from app.auth.actor import current_actor
from app.auth.scope import load_pupil_in_scope
from app.engine.validation import validated_form
from app.home_visits import register
from forms.home_visit import HomeVisitForm


@bp.post("/home-visits")
def record_home_visit():
    actor = current_actor()
    form = validated_form(HomeVisitForm, json_body())
    row = register.record(actor, form)
    return jsonify(register.entry_of(row)), 201


@bp.get("/home-visits")
def list_home_visits():
    actor = current_actor()
    register.require_recorder(actor)
    pupil_id = None
    if request.args.get("student_id"):
        pupil_id = load_pupil_in_scope(actor, int_arg("student_id", 0, 1, 2**31 - 1)).id
    rows, count = register.entries(actor, pupil_id)
    page = paginate(rows, count, lambda r: r, scalars=False)
    page["items"] = register.render(page["items"])
    return jsonify(page)

