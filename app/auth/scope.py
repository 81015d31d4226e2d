"""Scope: every read and write is checked against the org units a user's roles are bound to.

A role assignment covers every case whose class lies under its unit (a prefix test on the
materialised path). Partners see only the cases they hold a live invitation to (it ends with the joint-return stage
or on revocation). Out of scope is "not found".
"""
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.actor import Actor
from app.errors import NotFound
from app.extensions import db
from app.models import Case, CaseAssignee, OrgUnit, Pupil

MAX_ID = 2**31 - 1


def cases_in_scope(actor: Actor):
    return select(Case).where(actor.case_filter())


# What showing a case needs, loaded in a fixed number of queries however many cases are shown.
CARD_OPTIONS = (joinedload(Case.pupil).joinedload(Pupil.klass), joinedload(Case.school),
                selectinload(Case.assignees).joinedload(CaseAssignee.user))


def load_case_in_scope(actor: Actor, case_id) -> Case:
    """The one loader for every handler: the case if the actor may see it, else NotFound (404).

    Loaded by primary key and checked against the actor's grants in Python: the same rule as
    case_filter() (which lists use), without building a scope query for every request.
    """
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        raise NotFound("没有这个个案 / no such case") from None
    if not 0 < case_id <= MAX_ID:  # beyond the database's integer: cannot exist
        raise NotFound("没有这个个案 / no such case")
    # The open deadlines come in the same round trip: a step needs them, and a step is few round trips.
    case = db.session.get(Case, case_id, options=[joinedload(Case.open_deadlines)])
    if case is None or not actor.roles_for(case):
        raise NotFound("没有这个个案 / no such case")
    return case


def load_pupil_in_scope(actor: Actor, pupil_id: int) -> Pupil:
    """A pupil whose class lies under one of the actor's tree roles, else NotFound (404)."""
    pupil = None
    if 0 < pupil_id <= MAX_ID:
        pupil = db.session.execute(select(Pupil).join(OrgUnit, Pupil.class_id == OrgUnit.id)
                                   .where(Pupil.id == pupil_id, actor.unit_filter(OrgUnit.path))).scalar_one_or_none()
    if pupil is None:
        raise NotFound("没有这个学生 / no such pupil")
    return pupil


def load_or_404(model, row_id: int, message: str):
    """A row by primary key, or NotFound (ids beyond the database's integer cannot exist)."""
    row = db.session.get(model, row_id) if 0 < row_id <= MAX_ID else None
    if row is None:
        raise NotFound(message)
    return row


def unit_by_code(code: str) -> OrgUnit | None:
    return db.session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()
