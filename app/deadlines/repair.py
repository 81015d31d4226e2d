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

from sqlalchemy import select, update

from app import audit
from app.deadlines import calendar
from app.deadlines.actions import escalation_time
from app.deadlines.clocks import due_date
from app.engine import machine
from app.extensions import db
from app.models import Case, Deadline

ACTION = "deadline_retimed"


@dataclass
class Repair:
    moved: int = 0                                  # deadline rows re-timed
    cases: list[int] = field(default_factory=list)  # cases that got an audit event


def start_of(row, case, defn) -> date:
    """The day a deadline's count starts. The clocks of the initial state count from the detection date
    the case was opened with (operations._open); every other clock from the local day its state was
    entered, which is the day the row was opened."""
    if defn.clock(row.clock).starts_on == defn.initial:
        return case.detected_on
    return calendar.local_date(row.opened_at)


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
    override change flushed, calendar.invalidate() called); `why` goes into each case's audit event."""
    floor = calendar.to_utc(day, datetime.min.time())
    # A row due before the changed day never counted it: only rows due on or after it can move.
    candidates = db.session.execute(select(Deadline.case_id).where(
        Deadline.status == "open", Deadline.due_at >= floor).distinct()).scalars().all()
    result = Repair()
    for case_id in sorted(candidates):  # one lock order (case ids ascending), as every writer of a case
        moves = _retime_case(case_id, day, why, now)
        if moves:
            result.moved += len(moves)
            result.cases.append(case_id)
    return result


def _retime_case(case_id: int, day: date, why: dict, now: datetime) -> list[dict]:
    # Lock the case row first (a user's step locks it before its deadlines), then its deadline rows,
    # so a timer or a step waits for this transaction and then finds its action re-timed.
    case = db.session.execute(select(Case).where(Case.id == case_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()
    rows = db.session.execute(select(Deadline).where(Deadline.case_id == case_id, Deadline.status == "open")
                              .order_by(Deadline.clock, Deadline.point).with_for_update()).scalars().all()
    defn = machine.get(case.workflow)
    moves = []
    clocks = {c.name: c for c in defn.clocks}
    for row in rows:
        clock_def = clocks.get(row.clock)
        if clock_def is None or row.point >= len(clock_def.due):
            continue  # a clock since removed from the definition: nothing to count it by
        start = start_of(row, case, defn)
        old_day = calendar.local_date(row.due_at)
        new_day = due_date(start, clock_def.due[row.point])
        if new_day == old_day or not (start < day <= max(old_day, new_day)):
            continue
        values = timing(row, clock_def, new_day, now)
        db.session.execute(update(Deadline).where(Deadline.id == row.id).values(**values)
                           .execution_options(synchronize_session=False))
        moves.append({"clock": row.clock, "point": row.point, "from": old_day.isoformat(),
                      "to": new_day.isoformat(), "due_at": values["due_at"].isoformat() + "Z",
                      "level": row.level})
    if moves:
        _record(case, moves, why, now)
    return moves


def _record(case: Case, moves: list[dict], why: dict, now: datetime) -> None:
    """One system event on the case's chain naming each moved deadline and the override that moved it."""
    event = audit.prepare(case.id, (case.last_seq, case.last_hash), actor_id=None, actor="system", role="system",
                          action=ACTION, from_state=case.state, to_state=case.state,
                          data={"retimed": moves, "calendar": why}, at=now)
    audit.append(event)
    db.session.execute(update(Case).where(Case.id == case.id).values(last_seq=event["seq"], last_hash=event["hash"])
                       .execution_options(synchronize_session=False))


def describe_change(day: date, change: str, before: dict | None, after: dict | None, by: str) -> dict:
    """`why` for retime(): which day, set or cleared, what it was and became, by whom."""
    return {"day": day.isoformat(), "change": change, "before": before, "after": after, "by": by}
