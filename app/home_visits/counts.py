"""The home-visit figures, each one aggregate over both stores (the register's rows and the cases' visit
steps): visits per recorder and school in a period, and the relapsed pupils (a step marked
drops_out_again in the period) with how often they were visited since (the standard: at least twice)."""
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Case, CaseEvent, HomeVisit
from app.reports import HOME_VISIT, RELAPSE, step_marked, step_names

RELAPSE_VISITS_MIN = 2


def case_visits(scope, start: date, end: date, by=()) -> list:
    """(actor id, role, school id, visits) of the cases' visit steps in scope dated in the period (each
    row led by the columns `by` it is grouped by too)."""
    return db.session.execute(
        select(*by, CaseEvent.actor_id, CaseEvent.role, Case.school_id, func.count(CaseEvent.id))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(scope, step_marked(HOME_VISIT, CaseEvent.action), CaseEvent.occurred_on >= start,
               CaseEvent.occurred_on <= end)
        .group_by(*by, CaseEvent.actor_id, CaseEvent.role, Case.school_id)).all()


def register_visits(unit_filter, start: date, end: date) -> list:
    """(recorder id, role, school id, visits) of the register's visits in scope (`unit_filter`: the
    reader's, app.auth.actor.Actor.unit_filter) dated in the period."""
    return db.session.execute(
        select(HomeVisit.recorded_by, HomeVisit.recorded_role, HomeVisit.school_id, func.count(HomeVisit.id))
        .where(unit_filter(HomeVisit.unit_path), HomeVisit.visited_on >= start, HomeVisit.visited_on <= end)
        .group_by(HomeVisit.recorded_by, HomeVisit.recorded_role, HomeVisit.school_id)).all()


def relapsed(scope, start: date, end: date, by=()) -> list:
    """(pupil id, class path, school id, visits) of each pupil in scope who relapsed in the period, the
    visits being those from the day of the pupil's first relapse in the period to its end (each row led
    by the columns `by` it is grouped by too)."""
    group = [col.label(f"g{i}") for i, col in enumerate(by)]
    pupils = (select(*group, Case.pupil_id, Case.unit_path, Case.school_id, func.min(CaseEvent.occurred_on).label("since"))
              .join(CaseEvent, CaseEvent.case_id == Case.id)
              .where(scope, step_marked(RELAPSE, CaseEvent.action), CaseEvent.occurred_on >= start,
                     CaseEvent.occurred_on <= end, Case.pupil_id.is_not(None))
              .group_by(*by, Case.pupil_id, Case.unit_path, Case.school_id).subquery())
    event, case = aliased(CaseEvent), aliased(Case)
    on_cases = (select(func.count(event.id)).join(case, case.id == event.case_id)
                .where(case.pupil_id == pupils.c.pupil_id, event.action.in_(step_names(HOME_VISIT)),
                       event.occurred_on >= pupils.c.since, event.occurred_on <= end).scalar_subquery())
    on_register = (select(func.count(HomeVisit.id)).where(HomeVisit.pupil_id == pupils.c.pupil_id,
                                                          HomeVisit.visited_on >= pupils.c.since,
                                                          HomeVisit.visited_on <= end).scalar_subquery())
    return db.session.execute(select(*[pupils.c[f"g{i}"] for i in range(len(by))], pupils.c.pupil_id, pupils.c.unit_path, pupils.c.school_id,
                                     on_cases + on_register)).all()
