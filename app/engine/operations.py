"""The only two ways a case changes: open_case() and fire(). Each is one database transaction, run
by step() (the one transaction protocol both share).

Order of checks in fire(): trigger known (404) -> the actor's roles over the case (404 if none,
403 if none may fire it) -> version (409) -> state (409, naming what is allowed) -> form (422) ->
its dates (422, app/engine/dates.py) -> preconditions and guards (422) -> the window of a checkpoint
the step logs (422): _check(). Then _plan() works out what the step changes (state, effects, dates,
deadlines, audit event) without writing, and _write() writes the case, its audit event and its
deadline rows, committed together. Hooks registered in AFTER_COMMIT (the deadline timers) run after
the commit, never before.
"""
import logging
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from app import clock

from app.audit import chain as audit
from app.deadlines import checkpoints, clocks
from app.engine import client_keys, dates, machine, store, subjects
from app.engine.context import StepContext
from app.errors import (
    BaoxueError,
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


def available_triggers(defn, case: Case, roles: set[str], now=None, actor=None) -> list[str]:
    """The triggers the case offers these roles now: its state allows them, a role may fire them, and
    their preconditions (guards on the case alone, and on which side of the case `actor` is: see
    StepContext.on_side) hold. Form-dependent guards are left to fire()."""
    if case.closed_at is not None:
        return []
    names = [t for t in machine.triggers_from(defn, case.state) if roles.intersection(defn.triggers[t].roles)]
    if not any(defn.triggers[t].preconditions for t in names):
        return names
    ctx = StepContext(case, {}, actor, now or clock.now(), defn)  # no form: only what the case itself says
    return [t for t in names if not _failed(defn.triggers[t].preconditions, ctx)]


def _failed(checks, ctx) -> dict:
    """{field: message} of every check that refuses the step."""
    errors = {}
    for check in checks:
        errors.update(check(ctx) or {})
    return errors


@contextmanager
def step():
    """One step's transaction, as open_case() and fire() both run it: the store's transaction (its own
    connection on PostgreSQL) is yielded; an exception writes nothing (the step's connection and the
    session both roll back) and propagates; the connection is released either way. After the commit
    the session's rows are expired (the step may have been written on its own connection: what is shown
    is read again) and the after-commit hooks run on what the body left in tx.written."""
    tx = store.begin()
    tx.written = None  # (case, deadlines opened, deadlines open before), set once the step is written
    try:
        yield tx
    except BaseException:
        _abandon(tx)
        raise
    finally:
        tx.close()
    if db.session.registry.has():
        db.session.expire_all()
    if tx.written is not None:
        _after_commit(*tx.written)


def fire(case_id: int, trigger: str, actor, payload: dict, *, version, now=None, client_key=None,
         files=None) -> store.Snapshot:
    """Fire `trigger` on case `case_id` as `actor` with the form data in `payload`.

    `files` (optional): the evidence files the step carries (app/evidence/files.py Evidence: any trigger
    of any workflow may carry them). Checked with the form (422 naming `files`), recorded on the step's
    audit event (each file's sha256, name, size, type: the hash chain covers them) and in case_files, and
    stored just before the step's write.

    `client_key` (optional) names this posting of the form: if the case already recorded an action with
    it, AlreadyDone is raised (before the version and form checks: a replay carries the old version) and
    nothing is written; else the key is written with the step (app/engine/client_keys.py).

    Load (404 when missing or out of the actor's scope) -> check -> plan -> write -> commit, or raise and
    write nothing. Returns the case as read before the step; read it again to show it.
    """
    now = now or clock.now()
    client_key = client_keys.checked(client_key)
    attempt = 0
    while True:
        try:
            with step() as tx:
                case = tx.load(_as_id(case_id))
                if case is None:
                    raise NotFound("没有这个个案 / no such case")
                defn = machine.get(case.workflow)
                checked = _check(defn, case, trigger, actor, payload, version, now, client_key, files)
                plan = _plan(defn, case, checked, actor, now, files)
                if client_key is not None:
                    plan.extra.append(client_keys.row(case.id, client_key, actor.id, trigger, plan.event["seq"], now))
                if files:
                    files.save()  # before the write: a committed step never names a file that is not there
                _write(tx, case, plan, version, now, last_try=attempt == CHAIN_RETRIES - 1)
            if checked.trigger.then_open is not None:  # committed: the follow-on case is a step of its own
                _open_follow_on(checked.trigger, checked.data, case, actor, now)
            return case
        except StaleVersion:
            # Two posts of one form raced (a queued visit sent by two tabs): the one that lost finds the
            # other's key recorded, and is answered as done.
            client_keys.refuse_repeat(_as_id(case_id), client_key, actor.id)
            raise
        except _ChainMoved:
            # A system action (a deadline's reminder or escalation) extended the audit chain between our
            # read and our write; it changes nothing a step reads, so the step is checked again on the
            # case as it is now and written after it (the last try raises StaleVersion instead).
            attempt += 1


def _open_follow_on(t, data: dict, case, actor, now) -> None:
    """After a committed step whose trigger says `then_open`: open that workflow's case, as the same actor,
    in its own transaction. One already open for the subject is the case wanted (kept, not an error);
    any other refusal is logged: the step itself stands."""
    try:
        today = clocks.calendar.local_date(now).isoformat()
        open_case(actor, t.then_open["payload"](data, case, today), t.then_open["workflow"], now=now)
    except Conflict:
        pass
    except BaoxueError:
        log.exception("case %s: %s could not open its %s case", case.id, t.name, t.then_open["workflow"])


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
    until the one guarded UPDATE in _write)."""
    __slots__ = ("state",)

    def __init__(self, state):
        self.state = state


@dataclass(slots=True)
class _Checked:
    """A step that passed every check: what planning it needs."""
    trigger: object     # the definition's Trigger
    acting: str         # the role the actor fires it in
    data: dict          # the validated form
    ctx: StepContext
    points: dict        # checkpoints the step logs: clock -> point


@dataclass(slots=True)
class _Plan:
    """Everything the step writes, worked out before anything is."""
    values: dict        # the case row's new values
    event: dict         # its audit event (hashed, chained to the case's head)
    met: list
    cancelled: list
    opened: list
    extra: list         # rows its effects add or change (an assignee, an invitation)


def _check(defn, case, trigger, actor, payload, version, now, client_key=None, files=None) -> _Checked:
    """Every check of the step, in the module docstring's order; raises the first that refuses it."""
    t = defn.triggers.get(trigger)
    if t is None:
        raise NotFound(f"没有这个操作 / unknown trigger {trigger!r}", triggers=sorted(defn.triggers))
    roles = actor.roles_for(case)
    if not roles:
        raise NotFound("没有这个个案 / no such case")
    acting = next((r for r in t.roles if r in roles), None)
    if acting is None:
        raise NotPermitted(f"您的角色不能执行此操作 / your role may not {trigger}", roles_allowed=list(t.roles))
    client_keys.refuse_repeat(case.id, client_key, actor.id)
    if isinstance(version, bool) or not isinstance(version, int):
        raise Invalid({"version": "须提供个案当前版本号(整数) / the case's current version (an integer) is required"})
    if version != case.version:
        raise StaleVersion("个案已被他人修改, 请刷新 / the case was changed by someone else",
                           current_version=case.version, state=case.state)
    if case.closed_at is not None or case.state not in t.sources:
        raise NotAllowedNow(f"个案当前状态({case.state})不能执行 {trigger} / not allowed in state {case.state}",
                            state=case.state, allowed=available_triggers(defn, case, roles, actor=actor))
    data = validate_payload(t.form, payload)
    if files and files.errors():
        raise Invalid(files.errors())
    errors = dates.check(t.form, data, today=clocks.calendar.local_date(now), birth=case.birth_date,
                         order=t.dates, known=dates.case_dates(case, defn.opened_on_name), labels=defn.case_dates)
    if errors:
        raise Invalid(errors)
    ctx = StepContext(case, data, actor, now, defn)
    ctx.files = files.meta() if files else []
    errors = _failed(t.preconditions + t.guards, ctx)
    if errors:
        raise Invalid(errors)
    points = checkpoints.chosen(defn, trigger, data, case.open_deadlines, now, case.id)
    return _Checked(t, acting, data, ctx, points)


def _plan(defn, case, checked: _Checked, actor, now, files=None) -> _Plan:
    """What the checked step changes: its state, its effects, its dates, its deadlines, its audit event."""
    t, ctx, data = checked.trigger, checked.ctx, checked.data
    position = _Position(case.state)
    machine.apply(defn, position, t.name)
    new_state = position.state
    for effect in t.effects:
        effect(ctx)
    values = {"fields": {**(case.fields or {}), **ctx.sets}} if ctx.sets else {}
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
    met, cancelled = clocks.settle(defn, case.open_deadlines, t.name, new_state, checked.points)
    if new_state != case.state:
        opened = clocks.new_rows(defn, case.id, new_state, now, case_dates=ctx.vars.get(dates.DATES_VAR),
                                 unit_path=case.unit_path)
    elif t.dest is not None:
        # A trigger leading back into its own state re-enters it: each clock of the state it met starts
        # again from today (a visit every N working days: each visit meets this period's, opens the next).
        opened = clocks.new_rows(defn, case.id, new_state, now, only={r.clock for r in met},
                                 unit_path=case.unit_path)
    else:
        opened = []
    event = audit.prepare(case.id, (case.last_seq, case.last_hash), actor_id=actor.id, actor=actor.username,
                          role=checked.acting, action=t.name, from_state=case.state, to_state=new_state,
                          data={"form": data, "deadlines": clocks.summary(met, cancelled, opened), **ctx.notes,
                                **({"files": files.meta()} if files else {})},
                          at=now, occurred_on=occurred)
    values.update(state=new_state, version=case.version + 1, vars=ctx.vars)
    extra = ctx.extra + [("case_files", {"case_id": case.id, "seq": event["seq"], "sha256": f["sha256"],
                                         "name": f["name"], "size": f["size"], "mime": f["type"], "at": now})
                         for f in (files.meta() if files else ())]
    return _Plan(values, event, met, cancelled, opened, extra)


def _write(tx, case, plan: _Plan, version: int, now, *, last_try: bool) -> None:
    # The case UPDATE is guarded by the version read: of two racing steps the second finds the version
    # moved on and writes nothing at all.
    if not tx.write_step(case.id, version, plan.values, plan.event, plan.met, plan.cancelled, plan.opened,
                         now, plan.extra):
        raise _stale(case.id, version, retry=not last_try)
    tx.written = (case, plan.opened, case.open_deadlines)


def _stale(case_id: int, version: int | None = None, *, retry: bool = False) -> Exception:
    """Why a guarded write matched nothing: another step (409 naming the version it left), or only a
    system action on the chain (the step is tried again, when `retry`)."""
    current = db.session.execute(select(Case.version).where(Case.id == case_id)).scalar_one_or_none()
    if retry and current == version:
        return _ChainMoved()
    return StaleVersion("个案已被他人修改, 请刷新 / the case was changed by someone else", current_version=current)


def open_case(actor, payload: dict, workflow: str | None = None, *, now=None, evidence: dict | None = None) -> int:
    """Open a case of `workflow` (None: the first registered, workflows.ALL's first) in its initial
    state, about the subject its open form names, in the actor's scope; one transaction.

    `evidence` (optional, JSON): what the system found that opens the case (a registry mismatch, an
    absence record), kept on the opening's audit event beside the form.

    Returns the new case's id."""
    defn = _workflow(workflow)
    now = now or clock.now()
    with step() as tx:
        case_id = _open(tx, actor, payload, defn, now, evidence)
    return case_id


def _workflow(name):
    if name is None:
        return machine.default()
    if not isinstance(name, str) or name not in machine.registered():
        raise Invalid({"workflow": f"未知流程 / unknown workflow {name!r}"})
    return machine.get(name)


def _open(tx, actor, payload, defn, now, evidence=None) -> int:
    data = validate_payload(defn.open_form, payload)
    subject = subjects.resolve(tx, defn.subject, data)
    roles = actor.roles_for_path(subject.unit_path) if subject else set()
    if not roles:
        raise subjects.not_found(defn.subject)
    acting = next((r for r in defn.open_roles if r in roles), None)
    if acting is None:
        raise NotPermitted("您的角色不能新建个案 / your role may not open cases", roles_allowed=list(defn.open_roles))
    subject = subjects.with_second_unit(tx, defn.subject, data, subject)
    errors = dates.check(defn.open_form, data, today=clocks.calendar.local_date(now), birth=subject.birth_date)
    if errors:
        raise Invalid(errors)
    opened_on = dates.occurred_on(defn.open_dated_by, data, now)
    try:
        # "One open case per subject" is the partial unique index's job: checked once, by the database.
        case_id = tx.insert_case({
            "workflow": defn.name, "subject_key": subject.key, "pupil_id": subject.pupil_id,
            "state": defn.initial, "version": 1, "unit_path": subject.unit_path, "school_id": subject.school_id,
            "also_unit_path": subject.also_path,
            "fields": defn.field_values(None), "vars": {}, "escalation_level": 0, "opened_on": opened_on,
            "source": data.get("source") or "teacher", "opened_at": now, "updated_at": now, "last_seq": 0,
            "last_hash": ""})
    except store.Duplicate:
        raise _already_open(defn, subject.key) from None
    opened = clocks.new_rows(defn, case_id, defn.initial, now, start=opened_on, unit_path=subject.unit_path)
    event = audit.prepare(case_id, (0, ""), actor_id=actor.id, actor=actor.username, role=acting, action="open",
                          from_state=None, to_state=defn.initial, data={"form": data, "deadlines": {
                              "opened": clocks.describe(opened)}, **({"evidence": evidence} if evidence else {})}, at=now,
                          occurred_on=dates.occurred_on(defn.open_occurred_on, data, now))
    assignee = ("case_assignees", {"case_id": case_id, "user_id": actor.id, "role": acting})
    if not tx.write_step(case_id, 1, {"state": defn.initial, "version": 1, "vars": {}}, event, [], [], opened, now,
                         [assignee]):
        raise _stale(case_id)
    tx.written = (_Opened(case_id), opened, [])
    return case_id


class _Opened:
    __slots__ = ("id",)

    def __init__(self, case_id):
        self.id = case_id


def _already_open(defn, subject_key: str):
    case_id = db.session.execute(select(Case.id).where(Case.workflow == defn.name, Case.subject_key == subject_key,
                                                       Case.closed_at.is_(None))).scalar_one_or_none()
    return subjects.already_open(defn.subject, case_id)


def _after_commit(case, opened, previously_open) -> None:
    for hook in AFTER_COMMIT:
        try:
            hook(case, opened, previously_open)
        except Exception:  # the database is the truth; the sweep recovers a timer that failed to schedule
            log.exception("after-commit hook %r failed for case %s", hook, case.id)
