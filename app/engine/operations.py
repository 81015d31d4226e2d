"""The only two ways a case changes: open_case() and fire(). Each is one database transaction.

Order of checks in fire(): trigger known (404) -> the actor's roles over the case (404 if none,
403 if none may fire it) -> version (409) -> state (409, naming what is allowed) -> form (422) ->
its dates (422, app/engine/dates.py) -> preconditions and guards (422) -> the window of a checkpoint
the step logs (422). Only then are the case, its audit event and its deadline rows written, and
committed together. Hooks registered in AFTER_COMMIT (the deadline timers) run after the commit,
never before.
"""
import logging
from datetime import date

from sqlalchemy import select

from app import clock

from app.audit import chain as audit
from app.deadlines import checkpoints, clocks
from app.engine import dates, machine, store
from app.engine.context import StepContext
from app.errors import (
    Conflict,
    Invalid,
    NotAllowedNow,
    NotFound,
    NotPermitted,
    StaleVersion,
)
from app.engine.validation import validate_payload
from app.extensions import db
from app.models import Case

log = logging.getLogger(__name__)

# Callables (case, opened_deadlines, changed_deadlines) run after a step commits; see app/deadlines.
AFTER_COMMIT: list = []
# How often a step is read and checked again when only system events (not another step) came between
# its read and its write.
CHAIN_RETRIES = 5


class _ChainMoved(Exception):
    """The case's chain head moved but its version did not: a system action wrote in between."""


def available_triggers(defn, case: Case, roles: set[str], now=None) -> list[str]:
    """The triggers the case offers these roles now: its state allows them, a role may fire them, and
    their preconditions (guards on the case alone) hold. Form-dependent guards are left to fire()."""
    if case.closed_at is not None:
        return []
    names = [t for t in machine.triggers_from(defn, case.state) if roles.intersection(defn.triggers[t].roles)]
    if not any(defn.triggers[t].preconditions for t in names):
        return names
    ctx = StepContext(case, {}, None, now or clock.now())  # no form: only what the case itself says
    return [t for t in names if not _failed(defn.triggers[t].preconditions, ctx)]


def _failed(checks, ctx) -> dict:
    """{field: message} of every check that refuses the step."""
    errors = {}
    for check in checks:
        errors.update(check(ctx) or {})
    return errors


def fire(case_id: int, trigger: str, actor, payload: dict, *, version, now=None) -> store.Snapshot:
    """Fire `trigger` on case `case_id` as `actor` with the form data in `payload`.

    Load (404 when missing or out of the actor's scope) -> check -> write -> commit, or raise and
    write nothing. Returns the case as read before the step; read it again to show it.
    """
    now = now or clock.now()
    for attempt in range(CHAIN_RETRIES):
        tx = store.begin()
        try:
            case = tx.load(_as_id(case_id))
            if case is None:
                raise NotFound("没有这个个案 / no such case")
            result = _fire(tx, case, trigger, actor, payload, version=version, now=now,
                           last_try=attempt == CHAIN_RETRIES - 1)
            break
        except _ChainMoved:
            # A system action (a deadline's reminder or escalation) extended the audit chain between our
            # read and our write; it changes nothing a step reads, so the step is checked again on the
            # case as it is now and written after it.
            _abandon(tx)
        except BaseException:
            _abandon(tx)
            raise
        finally:
            tx.close()
    if db.session.registry.has():  # the step may have been written on its own connection: reread what is shown
        db.session.expire_all()
    _after_commit(*result)
    return case


def _abandon(tx) -> None:
    """Write nothing: the step's own connection and the session both roll back."""
    tx.rollback()
    db.session.rollback()


def _as_id(case_id) -> int:
    # Callers holding a loaded Case may pass it; the step always reads the row afresh.
    value = getattr(case_id, "id", case_id)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 2**31 - 1:
        raise NotFound("没有这个个案 / no such case")
    return value


class _Position:
    """What the shared state machine moves: a state and nothing else (the case row stays untouched
    until the one guarded UPDATE below)."""
    __slots__ = ("state",)

    def __init__(self, state):
        self.state = state


def _fire(tx, case, trigger, actor, payload, *, version, now, last_try=True):
    defn = machine.get(case.workflow)
    t = defn.triggers.get(trigger)
    if t is None:
        raise NotFound(f"没有这个操作 / unknown trigger {trigger!r}", triggers=sorted(defn.triggers))
    roles = actor.roles_for(case)
    if not roles:
        raise NotFound("没有这个个案 / no such case")
    acting = next((r for r in t.roles if r in roles), None)
    if acting is None:
        raise NotPermitted(f"您的角色不能执行此操作 / your role may not {trigger}", roles_allowed=list(t.roles))
    if isinstance(version, bool) or not isinstance(version, int):
        raise Invalid({"version": "须提供个案当前版本号(整数) / the case's current version (an integer) is required"})
    if version != case.version:
        raise StaleVersion("个案已被他人修改, 请刷新 / the case was changed by someone else",
                           current_version=case.version, state=case.state)
    if case.closed_at is not None or case.state not in t.sources:
        raise NotAllowedNow(f"个案当前状态({case.state})不能执行 {trigger} / not allowed in state {case.state}",
                            state=case.state, allowed=available_triggers(defn, case, roles))
    data = validate_payload(t.form, payload)
    errors = dates.check(t.form, data, today=clocks.calendar.local_date(now), birth=case.birth_date,
                         order=t.dates, known=dates.case_dates(case), labels=defn.case_dates)
    if errors:
        raise Invalid(errors)
    ctx = StepContext(case, data, actor, now)
    errors = _failed(t.preconditions + t.guards, ctx)
    if errors:
        raise Invalid(errors)
    points = checkpoints.chosen(defn, trigger, data, case.open_deadlines, now, case.id)

    position = _Position(case.state)
    machine.apply(defn, position, trigger)
    new_state = position.state
    for effect in t.effects:
        effect(ctx)
    values = dict(ctx.sets)
    if new_state != case.state:
        for name in defn.states[new_state].reset_vars:
            ctx.vars.pop(name, None)
        if defn.states[new_state].final:
            values["closed_at"] = now
        if defn.states[new_state].final or case.state in defn.partners_leave_with:
            ctx.end_partner_access()
    occurred = dates.occurred_on(t.occurred_on, data, now)
    dates.record(ctx.vars, t.records, data, defn.states[new_state].stamps if new_state != case.state else None,
                 occurred)
    open_rows = case.open_deadlines
    met, cancelled = clocks.settle(defn, open_rows, trigger, new_state, points)
    opened = clocks.new_rows(defn, case.id, new_state, now, case_dates=ctx.vars.get(dates.DATES_VAR)) \
        if new_state != case.state else []
    event = audit.prepare(case.id, (case.last_seq, case.last_hash), actor_id=actor.id, actor=actor.username,
                          role=acting, action=trigger, from_state=case.state, to_state=new_state,
                          data={"form": data, "deadlines": clocks.summary(met, cancelled, opened), **ctx.notes},
                          at=now, occurred_on=occurred)
    # The case UPDATE is guarded by the version read: of two racing steps the second finds the version
    # moved on and writes nothing at all.
    values.update(state=new_state, version=version + 1, vars=ctx.vars)
    if not tx.write_step(case.id, version, values, event, met, cancelled, opened, now, ctx.extra):
        raise _stale(case.id, version, retry=not last_try)
    return case, opened, open_rows


def _stale(case_id: int, version: int | None = None, *, retry: bool = False) -> Exception:
    """Why a guarded write matched nothing: another step (409 naming the version it left), or only a
    system action on the chain (the step is tried again, when `retry`)."""
    current = db.session.execute(select(Case.version).where(Case.id == case_id)).scalar_one_or_none()
    if retry and current == version:
        return _ChainMoved()
    return StaleVersion("个案已被他人修改, 请刷新 / the case was changed by someone else", current_version=current)


def open_case(actor, payload: dict, *, workflow: str = "dropout", now=None) -> int:
    """Open a case (the workflow's initial state) for a pupil in the actor's scope; one transaction.

    Returns the new case's id."""
    tx = store.begin()
    try:
        result = _open(tx, actor, payload, workflow, now or clock.now())
    except BaseException:
        _abandon(tx)
        raise
    finally:
        tx.close()
    if db.session.registry.has():
        db.session.expire_all()
    _after_commit(*result)
    return result[0].id


def _open(tx, actor, payload, workflow, now):
    defn = machine.get(workflow)
    data = validate_payload(defn.open_form, payload)
    pupil = tx.pupil(data["student_id"])
    roles = actor.roles_for_path(pupil.path) if pupil else set()
    if not roles:
        raise Invalid({"student_id": "您的范围内没有这个学生 / no such pupil in your scope"})
    acting = next((r for r in defn.open_roles if r in roles), None)
    if acting is None:
        raise NotPermitted("您的角色不能新建个案 / your role may not open cases", roles_allowed=list(defn.open_roles))
    errors = dates.check(defn.open_form, data, today=clocks.calendar.local_date(now), birth=pupil.birth_date)
    if errors:
        raise Invalid(errors)
    detected_on = date.fromisoformat(data["detected_on"])
    try:
        # "One open case per pupil" is the partial unique index's job: checked once, by the database.
        case_id = tx.insert_case({
            "workflow": workflow, "pupil_id": pupil.id, "state": defn.initial, "version": 1,
            "unit_path": pupil.path, "school_id": _school_id(pupil.path, pupil.class_id), "confirmed": False,
            "reasons": [], "vars": {}, "escalation_level": 0, "detected_on": detected_on,
            "source": data.get("source") or "teacher", "opened_at": now, "updated_at": now, "last_seq": 0,
            "last_hash": ""})
    except store.Duplicate:
        raise _already_open(pupil.id) from None
    opened = clocks.new_rows(defn, case_id, defn.initial, now, start=detected_on)
    event = audit.prepare(case_id, (0, ""), actor_id=actor.id, actor=actor.username, role=acting, action="open",
                          from_state=None, to_state=defn.initial, data={"form": data, "deadlines": {
                              "opened": clocks.describe(opened)}}, at=now,
                          occurred_on=dates.occurred_on(defn.open_occurred_on, data, now))
    assignee = ("case_assignees", {"case_id": case_id, "user_id": actor.id, "role": acting})
    if not tx.write_step(case_id, 1, {"state": defn.initial, "version": 1, "vars": {}}, event, [], [], opened, now,
                         [assignee]):
        raise _stale(case_id)
    return _Opened(case_id), opened, []


class _Opened:
    __slots__ = ("id",)

    def __init__(self, case_id):
        self.id = case_id


def _school_id(class_path: str, class_id: int) -> int:
    # The tree is district -> school -> grade -> class, so a class's path is /district/school/grade/class/.
    parts = class_path.strip("/").split("/")
    return int(parts[1]) if len(parts) > 1 else class_id


def _already_open(pupil_id: int) -> Conflict:
    case_id = db.session.execute(select(Case.id).where(Case.pupil_id == pupil_id, Case.closed_at.is_(None))
                                 ).scalar_one_or_none()
    return Conflict(f"该学生已有未结个案 #{case_id} / the pupil already has an open case #{case_id}",
                    open_case_id=case_id)


def _after_commit(case, opened, previously_open) -> None:
    for hook in AFTER_COMMIT:
        try:
            hook(case, opened, previously_open)
        except Exception:  # the database is the truth; the sweep recovers a timer that failed to schedule
            log.exception("after-commit hook %r failed for case %s", hook, case.id)
