"""Recording a visit and reading the register: handlers load in scope (404), check the role (403), then
call record() or entries()."""
from types import SimpleNamespace

from sqlalchemy import func, literal, select, union_all

from app import clock
from app.auth.scope import load_pupil_in_scope
from app.casefile.fields import value as recorded
from app.engine import machine
from app.errors import Conflict, Invalid, NotPermitted
from app.extensions import db
from app.home_visits import VISIT_ROLES
from app.models import Case, CaseEvent, HomeVisit, OrgUnit, Pupil, User
from app.models.pupils import mask_name
from app.reports import HOME_VISIT, step_marked, step_names


def require_recorder(actor) -> None:
    if not any(actor.has_role(r) for r in VISIT_ROLES):
        raise NotPermitted("您的角色不能登记家访 / your role may not record home visits",
                           roles_allowed=list(VISIT_ROLES))


def _case_taking_visits(pupil_id: int) -> Case | None:
    """The pupil's open case whose state offers a visit step now (its visits go on the case)."""
    names = set(step_names(HOME_VISIT))
    for case in db.session.scalars(select(Case).where(Case.pupil_id == pupil_id, Case.closed_at.is_(None))):
        triggers = machine.get(case.workflow).triggers
        if any(t in triggers and case.state in triggers[t].sources for t in names):
            return case
    return None


def record(actor, form) -> HomeVisit:
    """A validated HomeVisitForm as a register row, for a pupil in the actor's scope; one transaction."""
    pupil = load_pupil_in_scope(actor, form.student_id.data)
    require_recorder(actor)
    case = _case_taking_visits(pupil.id)
    if case is not None:
        raise Conflict(f"该生的个案正在劝返，家访须记在个案 #{case.id} 上 / the pupil's case #{case.id} takes "
                       "home visits: record the visit on the case", open_case_id=case.id)
    if form.visited_on.data < pupil.birth_date:
        raise Invalid({"visited_on": "不能早于学生出生日期 / cannot be before the pupil's birth"})
    klass = pupil.klass
    school = pupil.school
    role = next(r for r in VISIT_ROLES if actor.has_role(r))
    row = HomeVisit(pupil_id=pupil.id, unit_path=klass.path, school_id=school.id, visited_on=form.visited_on.data,
                    visitors=list(form.visitors.data), met_with=form.met_with.data, content=form.content.data,
                    situation=form.situation.data, next_step=form.next_step.data or "", recorded_by=actor.id,
                    recorded_role=role, recorded_at=clock.now())
    db.session.add(row)
    db.session.commit()
    return row


def _keys(actor, pupil_id: int | None):
    """Every visit in scope as (source, id, visited_on, pupil_id): the register's rows and the cases'
    visit steps, one union paged in SQL."""
    rows = select(literal("register").label("source"), HomeVisit.id.label("id"),
                  HomeVisit.visited_on.label("visited_on"), HomeVisit.pupil_id.label("pupil_id")).where(
        actor.unit_filter(HomeVisit.unit_path))
    steps = select(literal("case"), CaseEvent.id, CaseEvent.occurred_on, Case.pupil_id).join(
        Case, Case.id == CaseEvent.case_id).where(actor.case_filter(), step_marked(HOME_VISIT, CaseEvent.action),
                                                 Case.pupil_id.is_not(None))
    if pupil_id is not None:
        rows, steps = rows.where(HomeVisit.pupil_id == pupil_id), steps.where(Case.pupil_id == pupil_id)
    return union_all(rows, steps).subquery()


def entries(actor, pupil_id: int | None = None):
    """(rows, count) of the register in the actor's scope (one pupil's with `pupil_id`), newest first."""
    keys = _keys(actor, pupil_id)
    rows = select(keys).order_by(keys.c.visited_on.desc(), keys.c.source, keys.c.id.desc())
    return rows, select(func.count()).select_from(keys)


def render(keys) -> list[dict]:
    """The entries of a page of keys, in their order, in a fixed number of queries."""
    register_ids = [k.id for k in keys if k.source == "register"]
    event_ids = [k.id for k in keys if k.source == "case"]
    pupils = {p.id: p for p in db.session.scalars(select(Pupil).where(Pupil.id.in_({k.pupil_id for k in keys})))}
    visits = {v.id: v for v in db.session.scalars(select(HomeVisit).where(HomeVisit.id.in_(register_ids)))}
    events = {e.id: (e, c) for e, c in db.session.execute(select(CaseEvent, Case).join(
        Case, Case.id == CaseEvent.case_id).where(CaseEvent.id.in_(event_ids)))}
    users = dict(db.session.execute(select(User.id, User.username).where(
        User.id.in_({v.recorded_by for v in visits.values()}))).all())
    out = []
    for k in keys:
        pupil = pupils[k.pupil_id]
        base = {"source": k.source, "id": k.id, "pupil_id": pupil.id, "pupil": mask_name(pupil.name),
                "class_name": pupil.klass.name if pupil.klass else None,
                "school_name": school.name if (school := pupil.school) else None,
                "visited_on": k.visited_on.isoformat() if k.visited_on else None}
        if k.source == "register":
            v = visits[k.id]
            out.append({**base, "case_id": None, "visitors": v.visitors, "met_with": v.met_with, "content": v.content,
                        "situation": v.situation, "next_step": v.next_step, "recorded_by": users.get(v.recorded_by, ""),
                        "role": v.recorded_role})
            continue
        event, case = events[k.id]
        data = (event.data or {}).get("form") or {}
        trigger = machine.get(case.workflow).triggers.get(event.action)
        form = trigger.form if trigger else None
        out.append({**base, "case_id": case.id, "visitors": list(data.get("visitors") or []),
                    "met_with": data.get("met_with") or "", "content": data.get("content") or "",
                    "situation": data.get("situation") or recorded(form, data, "outcome"),
                    "next_step": data.get("next_step") or "", "recorded_by": event.actor, "role": event.role})
    return out


def entry_of(row: HomeVisit) -> dict:
    """One register row as the register shows it."""
    return render([SimpleNamespace(source="register", id=row.id, visited_on=row.visited_on, pupil_id=row.pupil_id)])[0]


def class_pupils(actor) -> list:
    """The pupils the actor may record visits for (their classes, in scope), by class and name."""
    return list(db.session.scalars(select(Pupil).join(OrgUnit, OrgUnit.id == Pupil.class_id)
                                   .where(actor.unit_filter(OrgUnit.path)).order_by(OrgUnit.code, Pupil.name)))


