"""A ledger's rows as the API, the page and the XLSX show them. Names and numbers are masked as in every
list (a child's identity is sensitive data); the case's own page shows the rest to whom may see it."""
from app.casefile.fields import describe
from app.engine import machine
from app.models.pupils import mask_middle, mask_name


def school_age(row) -> dict:
    return {"kind": row.kind, "id": row.ref, "name": mask_name(row.name), "number": mask_middle(row.number, 4, 4),
            "birth_year": row.birth_date.year, "school": row.school, "school_name": row.school_name,
            "class_name": row.class_name, "township": row.township or "", "village": row.village or ""}


def _case(case, pupil, school, school_name, class_name) -> dict:
    state = machine.get(case.workflow).states.get(case.state)
    return {"case_id": case.id, "pupil_id": pupil.id, "name": mask_name(pupil.name),
            "student_no": mask_middle(pupil.student_no, 4, 4), "school": school, "school_name": school_name,
            "class_name": class_name, "state": case.state, "state_zh": state.zh if state else case.state,
            "state_en": state.en if state else case.state, "detected_on": case.opened_on.isoformat(),
            "confirmed": bool((case.fields or {}).get("confirmed"))}


def listed(row) -> dict:
    return _case(*row)


def struck(row) -> dict:
    """A strike-off (销号): the case, and the step that did it — when, which, by whom, with what evidence
    (what its form recorded, by the form's labels)."""
    event, case, *rest = row
    trigger = machine.get(case.workflow).triggers.get(event.action)
    form = trigger.form if trigger is not None else None
    return {**_case(case, *rest), "struck_on": (event.occurred_on or event.at.date()).isoformat(),
            "struck_at": event.at.isoformat() + "Z", "step": event.action,
            "step_zh": trigger.zh if trigger else event.action, "step_en": trigger.en if trigger else event.action,
            "by": event.actor, "to_state": event.to_state,
            "evidence": [{"label": str(label), "value": value} for label, value in describe(form, (event.data or {}).get("form") or {})]}
