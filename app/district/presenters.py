"""How cases and pupils are shown: masked where the viewer does not need personal data (PIPL)."""
from datetime import date

from wtforms import DateField

from app import clock
from app.audit import chain as audit
from app.privacy import access_log, masking
from app.engine import machine, subjects
from app.engine.operations import available_triggers
from app.extensions import db
from app.auth.roles import PERSONAL_DATA_ROLES
from app.models import OrgUnit


def iso(t):
    return t.isoformat() + "Z" if t else None


def needs_personal_data(roles: set[str]) -> bool:
    return bool(roles & PERSONAL_DATA_ROLES)


def log_personal_read(actor, pupil_id: int | None, case_id: int | None, via: str,
                      what: str = "personal_data") -> None:
    """Record who read what of a child (unmasked personal data, a case's timeline, an export), committed
    with the request; `via` names the page or endpoint. A case about no pupil is logged under the
    registry mismatch it was opened from (a door visit), and not at all when it is about no child."""
    access_log.record(actor, via, what, pupil_id=pupil_id, case_id=case_id)


def _as_typed(defn, name: str, value):
    """A value of the open form as its field writes it: a month field's date as "2026-11", not the
    first day it stands for."""
    field = getattr(defn.open_form(meta={"csrf": False}), name, None)
    if value and isinstance(field, DateField):
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        return day.strftime(field.format[0] if isinstance(field.format, list) else field.format)
    return "" if value is None else str(value)


def subject_title(case) -> str:
    """What a case that is not about a pupil is about, as people name it: its unit's name and the values
    of the subject's key fields ("SA中学 · 2026-11"); empty for a pupil's case (shown by its card)."""
    defn = machine.get(case.workflow)
    spec = defn.subject
    if spec.get("kind") == "pupil":
        return ""
    unit_id, values = subjects.unpack(spec, case.subject_key)
    unit = db.session.get(OrgUnit, unit_id)  # the identity map: a list of one school's cases reads it once
    shown = [_as_typed(defn, name, value) for name, value in zip(spec.get("key", ()), values)]
    return " · ".join([unit.name if unit else f"#{unit_id}", *shown])


def opened_on(case) -> tuple[str | None, str]:
    """(the label of the open form's date the case counts from, or None when it counts from the day it
    was opened; that date as the form writes it)."""
    defn = machine.get(case.workflow)
    name = defn.open_dated_by
    field = getattr(defn.open_form(meta={"csrf": False}), name, None) if name else None
    return (str(field.label.text) if field is not None else None,
            _as_typed(defn, name, case.opened_on) if name else case.opened_on.isoformat())


def masker_for(case, roles: set[str]):
    """None when the viewer's roles over the case need the pupil's personal data (or the case is not
    about a pupil), else the case's masker."""
    return None if needs_personal_data(roles) or case.pupil is None else masking.for_pupil(case.pupil)


class ShownEvent:
    """A stored event as a viewer may see it: its form data masked, everything else (hashes included)
    as stored. The stored row is never touched, so the audit chain still verifies."""
    __slots__ = ("_event", "data")

    def __init__(self, event, data):
        self._event, self.data = event, data

    def __getattr__(self, name):
        return getattr(self._event, name)

    def to_dict(self) -> dict:
        return {**self._event.to_dict(), "data": self.data}


def shown_events(events, masker) -> list:
    if masker is None:
        return list(events)
    return [ShownEvent(e, masking.mask(e.data, masker)) for e in events]


def timeline_read(actor, case, *, via: str, what: str = "timeline") -> tuple[list, list, bool]:
    """A case's events as this actor may see them, the stored events (for the chain check), and whether
    they were masked; the read is logged (every timeline read, masked or not)."""
    events = audit.events(case.id)
    masker = masker_for(case, actor.roles_for(case))
    log_personal_read(actor, case.pupil_id, case.id, via, what)
    return shown_events(events, masker), events, masker is not None


def case_summary(case, *, overdue: bool | None = None) -> dict:
    defn = machine.get(case.workflow)
    d = {
        "id": case.id, "workflow": case.workflow, "state": case.state,
        "state_label": defn.states[case.state].zh, "version": case.version,
        # the workflow's own fields, flat (reasons and confirmed, say), and the day it counts
        # from under the open form's name for it (detected_on)
        **defn.field_values(case.fields), defn.opened_on_name: case.opened_on.isoformat(),
        "escalation_level": case.escalation_level, "source": case.source,
        "opened_at": iso(case.opened_at), "updated_at": iso(case.updated_at), "closed_at": iso(case.closed_at),
        "pupil": case.pupil.to_dict(masked=True) if case.pupil else None,
        "assignees": [{"username": a.user.username, "display_name": a.user.display_name, "role": a.role}
                      for a in case.assignees],
    }
    if overdue is not None:
        d["overdue"] = overdue
    return d


def case_detail(case, actor, *, via: str) -> dict:
    roles = actor.roles_for(case)
    defn = machine.get(case.workflow)
    deadlines = [dl.to_dict() for dl in case.open_deadlines]
    now = clock.now()
    for dl, row in zip(deadlines, case.open_deadlines):
        dl["overdue"] = dl["overdue"] or row.due_at < now
    d = case_summary(case, overdue=any(dl["overdue"] for dl in deadlines))
    d["vars"] = case.vars
    d["open_deadlines"] = deadlines
    d["available_transitions"] = available_triggers(defn, case, roles, actor=actor)
    d["your_roles"] = sorted(roles)
    if needs_personal_data(roles):
        if case.pupil is not None:
            d["pupil"] = case.pupil.to_dict(masked=False)
        log_personal_read(actor, case.pupil_id, case.id, via)
    return d
