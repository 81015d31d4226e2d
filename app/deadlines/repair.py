"""Deadline repair: a calendar override set or cleared re-times the open deadlines whose count crosses it.

A deadline row stores when it was opened and its due point, not the calendar it was counted with; so
when an admin declares a holiday, a 调休 working day or a closure, every open row is counted again from
its start with the calendar as it now is. Only rows whose count crosses the changed day are touched
(start < day <= the later of the old and new due day), so a row that drifted for another reason (a
definition edited since) is not silently re-timed by an unrelated override.

retime() runs inside the override's own transaction (the caller flushed the change and commits after),
so the database never holds an override without the deadlines it moves. It writes one audit event per
affected case; the caller re-plans the RQ alarms after the commit (the rows are the truth: an alarm set
for an old time finds its action no longer due and does nothing).
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, select, update

from app.audit import chain as audit
from app.deadlines import calendar
from app.deadlines.actions import escalation_time
from app.deadlines.clocks import count_start, due_date
from app.engine.dates import DATES_VAR
from app.engine import machine
from app.extensions import db
from app.models import Case, Deadline

ACTION = "deadline_retimed"
CHUNK = 500  # cases locked and re-timed per round of statements
D, C = Deadline.__table__, Case.__table__
_MOVE = update(D).where(D.c.id == bindparam("row_id")).values(
    due_at=bindparam("new_due_at"), remind_at=bindparam("new_remind_at"), next_action=bindparam("new_next_action"),
    next_action_at=bindparam("new_next_action_at"))
_HEAD = update(C).where(C.c.id == bindparam("row_id")).values(last_seq=bindparam("new_seq"),
                                                               last_hash=bindparam("new_hash"))


@dataclass
class Repair:
    moved: int = 0                                  # deadline rows re-timed
    cases: list[int] = field(default_factory=list)  # cases that got an audit event


def start_of(row, case, defn) -> date:
    """The day a deadline's count starts. The clocks of the initial state count from the day the case
    counts from, its opened_on (operations.open_case); every other clock from the local day its state was
    entered, which is the day the row was opened — or the case date the clock `counts_from` (a return
    date), as clocks.new_rows counted it."""
    if defn.clock(row.clock).starts_on == defn.initial:
        return case.opened_on
    return count_start(defn.clock(row.clock), (case.vars or {}).get(DATES_VAR), calendar.local_date(row.opened_at))


def timing(row, clock_def, due_day: date, now: datetime) -> dict:
    """The row's times counted to `due_day`: what is already done stays done (a reminder sent, an
    escalation level reached); only what is still ahead is set again."""
    due_at = calendar.end_of_day(due_day)
    values = {"due_at": due_at}
    if row.level == 0 and row.next_action == "remind":
        remind_day = calendar.add_working_days(due_day, -clock_def.remind_before)
        remind_at = calendar.to_utc(remind_day, calendar.REMIND_AT)
        if due_at <= now:  # now past due: the overdue action supersedes a reminder never sent
            values.update(remind_at=None, next_action="due", next_action_at=due_at)
        else:  # a reminder time already past is sent by the next sweep
            values.update(remind_at=remind_at, next_action="remind", next_action_at=remind_at)
    elif row.level == 0 and row.next_action == "due":
        values.update(next_action_at=due_at)
    elif row.level > 0 and row.next_action == "escalate" and row.level < len(clock_def.ladder):
        values.update(next_action_at=escalation_time(due_at, clock_def.ladder[row.level]["after_working_days"]))
    return values


def retime(day: date, why: dict, now: datetime) -> Repair:
    """Re-time every open deadline whose count crosses `day`, with the calendar as it now reads (the
    override change flushed, calendar.invalidate() called); `why` goes into each case's audit event.

    Set-based, a few statements per CHUNK cases (a district-wide holiday moves every open case)."""
    floor = calendar.to_utc(day, datetime.min.time())
    # A row due before the changed day never counted it: only rows due on or after it can move.
    case_ids = sorted(db.session.execute(select(D.c.case_id).where(
        D.c.status == "open", D.c.due_at >= floor).distinct()).scalars())
    result = Repair()
    for i in range(0, len(case_ids), CHUNK):
        _retime_chunk(case_ids[i:i + CHUNK], day, why, now, result)
    return result


def _retime_chunk(case_ids: list[int], day: date, why: dict, now: datetime, result: Repair) -> None:
    # Lock the case rows first, in id order (a user's step locks its case before its deadlines), then
    # their deadline rows: a timer or a step waits for this transaction, then finds its action re-timed.
    cases = db.session.execute(select(C.c.id, C.c.workflow, C.c.state, C.c.opened_on, C.c.vars, C.c.last_seq, C.c.last_hash)
                               .where(C.c.id.in_(case_ids)).order_by(C.c.id).with_for_update()).all()
    rows: dict[int, list] = {}
    for row in db.session.execute(select(D).where(D.c.case_id.in_(case_ids), D.c.status == "open")
                                  .order_by(D.c.case_id, D.c.clock, D.c.point).with_for_update()):
        rows.setdefault(row.case_id, []).append(row)
    moved, heads, events = [], [], []
    for case in cases:
        defn = machine.get(case.workflow)
        moves = []
        for row in rows.get(case.id, ()):
            change = _move(row, case, defn, day, now)
            if change is not None:
                moved.append(change[0])
                moves.append(change[1])
        if moves:
            event = _event(case, moves, why, now)
            events.append(event)
            heads.append({"row_id": case.id, "new_seq": event["seq"], "new_hash": event["hash"]})
            result.cases.append(case.id)
    if moved:
        db.session.execute(_MOVE, moved)
        db.session.execute(_HEAD, heads)
        audit.append_many(events)
        result.moved += len(moved)


def _move(row, case, defn, day: date, now: datetime) -> tuple[dict, dict] | None:
    """(the row's new times, the move as the audit event names it), or None if its count misses `day`."""
    clock_def = next((c for c in defn.clocks if c.name == row.clock), None)
    if clock_def is None or row.point >= len(clock_def.due):
        return None  # a clock since removed from the definition: nothing to count it by
    start = start_of(row, case, defn)
    old_day = calendar.local_date(row.due_at)
    new_day = due_date(start, clock_def.due[row.point], getattr(case, "unit_path", None))
    if new_day == old_day or not (start < day <= max(old_day, new_day)):
        return None
    values = {"due_at": row.due_at, "remind_at": row.remind_at, "next_action": row.next_action,
              "next_action_at": row.next_action_at, **timing(row, clock_def, new_day, now)}
    params = {"row_id": row.id, **{f"new_{k}": v for k, v in values.items()}}
    return params, {"clock": row.clock, "point": row.point, "from": old_day.isoformat(),
                    "to": new_day.isoformat(), "due_at": values["due_at"].isoformat() + "Z", "level": row.level}


def _event(case, moves: list[dict], why: dict, now: datetime) -> dict:
    """One system event on the case's chain naming each moved deadline and the override that moved it."""
    return audit.prepare(case.id, (case.last_seq, case.last_hash), actor_id=None, actor="system", role="system",
                         action=ACTION, from_state=case.state, to_state=case.state,
                         data={"retimed": moves, "calendar": why}, at=now)


def describe_change(day: date, change: str, before: dict | None, after: dict | None, by: str) -> dict:
    """`why` for retime(): which day, set or cleared, what it was and became, by whom."""
    return {"day": day.isoformat(), "change": change, "before": before, "after": after, "by": by}
