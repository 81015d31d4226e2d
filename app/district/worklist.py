"""A user's work (工作台): cases waiting on them, deadlines coming up, unread notices.

"Waiting on me" is read from the definition, not hard-coded: a case waits on a user when, in its
current state, one of the roles the user holds over it may fire a trigger that belongs to that
state (not one allowed everywhere, like a note or an assignment) and whose preconditions hold (a
confirmed case does not wait on the bureau for verification). Every registered workflow is read so.
"""
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import contains_eager, selectinload

from app.auth.roles import TREE_ROLES
from app.auth.actor import invited_cases
from app.auth.scope import CARD_OPTIONS
from app.deadlines import calendar
from app import clock
from app.engine import machine
from app.engine.operations import available_triggers
from app.extensions import db
from app.models import Case, Deadline, Notification
from app.web import counting

HORIZON_WORKING_DAYS = 5


def _state_triggers(defn, role: str) -> list:
    everywhere = {n for n, s in defn.states.items() if not s.final}
    return [t for t in defn.triggers.values() if role in t.roles and set(t.sources) != everywhere]


def _states_split(role: str, workflow: str) -> tuple[set, set]:
    """(states where the role always has something to do, states where only triggers with
    preconditions would give it something: those cases are checked one by one)."""
    sure, maybe = set(), set()
    for t in _state_triggers(machine.get(workflow), role):
        (maybe if t.preconditions else sure).update(t.sources)
    return sure, maybe - sure


def _passing(role: str, workflow: str, states: set, where, actor=None) -> list[int]:
    """Ids of the open cases in `states` (and `where`) for which a state trigger of `role` is offered."""
    defn = machine.get(workflow)
    mine = {t.name for t in _state_triggers(defn, role)}
    now = clock.now()
    rows = db.session.execute(select(Case).where(Case.closed_at.is_(None), Case.workflow == workflow,
                                                 Case.state.in_(states), where)).scalars()
    return [c.id for c in rows if mine.intersection(available_triggers(defn, c, {role}, now, actor))]


def waiting_clause(actor):
    """The open cases of any workflow waiting on the actor."""
    return or_(*[_waiting_in(actor, name) for name in machine.registered()])


def _waiting_in(actor, workflow: str):
    clauses = []
    for g in actor.grants:
        if g.role not in TREE_ROLES:
            continue
        sure, maybe = _states_split(g.role, workflow)
        in_unit = or_(Case.unit_path.startswith(g.path, autoescape=True),
                      Case.also_unit_path.startswith(g.path, autoescape=True))
        if sure:
            clauses.append(and_(in_unit, Case.state.in_(sure)))
        if maybe:
            clauses.append(Case.id.in_(_passing(g.role, workflow, maybe, in_unit, actor)))
    if actor.has_role("partner"):
        sure, maybe = _states_split("partner", workflow)
        invited = Case.id.in_(invited_cases(actor.id))
        if sure:
            clauses.append(and_(Case.state.in_(sure), invited))
        if maybe:
            clauses.append(Case.id.in_(_passing("partner", workflow, maybe, invited, actor)))
    return and_(Case.closed_at.is_(None), Case.workflow == workflow, or_(*clauses) if clauses else False)


def waiting_cases(actor, limit: int = 50) -> tuple[list[Case], str]:
    """The cases waiting on the actor, most escalated first, then the oldest; how many, as shown ("≈N"
    past the count cap: a province officer's queue is not counted row by row, app/web/counting.py)."""
    cond = waiting_clause(actor)
    total = counting.shown(select(func.count(Case.id)).where(cond))
    rows = db.session.execute(select(Case).where(cond).options(*CARD_OPTIONS)
                              .order_by(Case.escalation_level.desc(), Case.updated_at).limit(limit)).unique()
    return rows.scalars().all(), total


def upcoming_deadlines(actor, now: datetime, working_days: int = HORIZON_WORKING_DAYS, limit: int = 50):
    """Open deadlines of cases in scope falling due within `working_days` (overdue ones first)."""
    until = calendar.end_of_day(calendar.add_working_days(calendar.local_date(now), working_days))
    q = (select(Deadline).join(Case, Case.id == Deadline.case_id)
         .where(Deadline.status == "open", Deadline.due_at <= until, Case.closed_at.is_(None), actor.case_filter())
         .options(contains_eager(Deadline.case).options(*CARD_OPTIONS))
         .order_by(Deadline.level.desc(), Deadline.due_at).limit(limit))
    return db.session.execute(q).unique().scalars().all()


def working_days_left(due_at: datetime, now: datetime) -> int:
    """Working days from today to the due day (0: due today; negative: overdue by that many)."""
    today, due = calendar.local_date(now), calendar.local_date(due_at)
    sign, a, b = (1, today, due) if due >= today else (-1, due, today)
    n, day = 0, a
    while day < b:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            n += 1
    return sign * n


def unread_notifications(user_id: int, limit: int = 20):
    cond = and_(Notification.user_id == user_id, Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count(Notification.id)).where(cond))
    rows = db.session.execute(select(Notification).where(cond)
                              .options(selectinload(Notification.deadline).selectinload(Deadline.case))
                              .order_by(Notification.id.desc()).limit(limit))
    return rows.scalars().all(), total


def notifications_total(user_id: int) -> str:
    """How many notices the user has, read or not (the 工作台's link to all of them), as shown."""
    return counting.shown(select(func.count(Notification.id)).where(Notification.user_id == user_id))


def mark_all_read(user_id: int, now: datetime) -> int:
    """Mark every unread notice of the user read; how many were."""
    result = db.session.execute(update(Notification).where(Notification.user_id == user_id,
                                                           Notification.read_at.is_(None)).values(read_at=now))
    db.session.commit()
    return result.rowcount
