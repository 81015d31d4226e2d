"""The case page: pupil card (when the case is about a pupil), stage bar, deadlines, the actions the
user may take now (each its form), the case's records in the sections its definition declares; and
the POST that fires one action. The records and the stage bar are assembled by app/casefile.

A posted action goes through the engine's one entry point, fire(): the same checks as the API.
A refusal re-renders the page with the form as the user typed it: field errors beside the fields
(422), or, if someone else moved the case meanwhile (409), a plain notice listing what changed.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import clock

from app.audit import chain as audit

from app.district import worklist
from app.auth.scope import load_case_in_scope
from app.casefile import path, people, records
from app.reports import frozen
from app.deadlines import checkpoints
from app.engine import machine
from app.errors import AlreadyDone, Invalid, NotAllowedNow, NotFound, StaleVersion
from app.engine.operations import available_triggers, fire
from app.evidence import files as evidence, serving
from app.extensions import db
from app.district.presenters import log_personal_read, masker_for, needs_personal_data, shown_events
from app.views import bp, forms, idle, pickers
from app.auth.actor import current_actor

def _render(case, *, status=200, open_trigger=None, posted=None, errors=None, changed=None):
    a = current_actor()
    roles = a.roles_for(case)
    defn = machine.get(case.workflow)
    personal = needs_personal_data(roles)
    if personal:
        log_personal_read(a, case.pupil_id, case.id, "page:case")
    # The records below show what was typed into the forms: masked like the pupil card for roles without need.
    events = shown_events(audit.events(case.id), masker_for(case, roles))
    triggers = available_triggers(defn, case, roles, actor=a)
    now = clock.now()
    checkpoint_list = checkpoints.for_case(defn, case.id, now)
    action_forms = {}
    errors = dict(errors or {})
    file_error = errors.pop("files", None)  # shown beside the file input, not above the form
    for name in triggers:
        t = defn.triggers[name]
        if t.form is None:
            continue
        if name == open_trigger:
            action_forms[name] = forms.bound(t.form, posted, errors)
        else:
            # a checkpoint field starts at the checkpoint that may be logged now
            action_forms[name] = forms.bound(t.form, None, **checkpoints.suggested(name, checkpoint_list))
    pickers.attach(case, action_forms)  # the team forms pick from the users eligible for this case
    deadlines = [(d, worklist.working_days_left(d.due_at, now)) for d in case.open_deadlines]
    return render_template(
        "case.html", case=case, defn=defn, roles=sorted(roles), personal=personal,
        pupil=case.pupil.to_dict(masked=not personal) if case.pupil is not None else None,
        deadlines=deadlines, triggers=triggers, checkpoints=checkpoint_list,
        # partners see the case, not the roster
        pupil_page=case.pupil is not None and bool(a.roles_for_path(case.pupil.klass.path)),
        action_forms=action_forms, open_trigger=open_trigger, stages=records.stages(defn, events),
        stagebar=path.bar(defn, case, events), assignee=people.assignee, record_fields=records.shown_fields,
        who=people.recorder(events), changed=changed, seen_seq=case.last_seq, file_error=file_error,
        versions=frozen.versions(case.id)), status


@bp.get("/cases/<int:case_id>")
@login_required
def case_page(case_id):
    case = load_case_in_scope(current_actor(), case_id)
    kept = idle.restored(f"/cases/{case.id}/actions/", current_user)  # typed before an idle expiry
    if kept:
        return _render(case, open_trigger=kept[0].rsplit("/", 1)[-1], posted=kept[1])
    return _render(case)


@bp.get("/cases/<int:case_id>/files/<sha256>")
@login_required
def case_file(case_id, sha256):
    """An evidence file a step of the case carried (a receipt, a visit's photo), read in scope and logged."""
    case = load_case_in_scope(current_actor(), case_id)
    return serving.send(current_actor(), case, sha256, via="page:case_file")


@bp.post("/cases/<int:case_id>/actions/<trigger>")
@login_required
def case_action(case_id, trigger):
    case = load_case_in_scope(current_actor(), case_id)          # 404 outside the user's scope
    defn = machine.get(case.workflow)
    t = defn.triggers.get(trigger)
    if t is None:
        raise NotFound("没有这个操作 / unknown action")
    version = request.form.get("version", type=int)
    before = case.last_seq
    try:
        fire(case.id, trigger, current_actor(), forms.payload(t.form, request.form), version=version,
             client_key=request.form.get("client_key"), files=evidence.from_request())  # 403 inside
    except AlreadyDone as e:  # the same form posted again (a queued offline visit, a double click)
        db.session.rollback()
        flash(f"{t.zh}：此前已提交，未重复记录 / {t.en}: sent before, not recorded twice", "ok")
        return redirect(url_for("views.case_page", case_id=case.id) + f"#event-{e.seq}")
    except Invalid as e:
        db.session.rollback()
        if t.form is None or trigger not in available_triggers(defn, case, current_actor().roles_for(case), actor=current_actor()):
            # A precondition refused it: the action has no form on the page, so its reasons go above.
            for message in e.fields.values():
                flash(message, "error")
            return _render(case, status=422)
        return _render(case, status=422, open_trigger=trigger, posted=request.form, errors=e.fields)
    except (StaleVersion, NotAllowedNow):
        db.session.rollback()
        db.session.expire_all()
        case = load_case_in_scope(current_actor(), case_id)
        seen = request.form.get("seen_seq", type=int) or 0
        changed = [e for e in audit.events(case.id) if e.seq > seen]  # shown without form data
        still = trigger in available_triggers(defn, case, current_actor().roles_for(case), actor=current_actor())
        return _render(case, status=409, open_trigger=trigger if still else None, posted=request.form,
                       changed={"events": changed, "trigger": t, "still_possible": still})
    flash(f"已完成：{t.zh} / Done: {t.en}", "ok")
    # Land on the record the step made (its own event, not the events the step wrote after it).
    made = records.made_by(audit.events(case.id), trigger, before) if t.form is not None else None
    return redirect(url_for("views.case_page", case_id=case.id) + (f"#event-{made}" if made else "#stagebar"))
