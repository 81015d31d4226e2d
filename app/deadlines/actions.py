"""What a deadline does when its time comes: remind, fall due (overdue, level 1), escalate (2, 3).

act() is the one place a deadline moves. It runs in its own transaction and moves the row only with a
conditional UPDATE on the exact action it was asked to do (status, next_action, next_action_at), so a
timer that runs twice, late, after the case moved on, or alongside the sweep, acts exactly once. Its
audit event and notifications are written in the same transaction.
"""
import logging
import os
import time
from datetime import datetime

from sqlalchemy import insert, select, update

from app import clock

from app.audit import chain as audit

from app.deadlines import mail
from app.deadlines import calendar
from app.engine import machine
from app.extensions import db
from app.models import (
    Case,
    CaseAssignee,
    Deadline,
    Notification,
    OrgUnit,
    RoleAssignment,
)
from app.models.org import at_or_above

log = logging.getLogger("baoxue.timers")
KIND = {"remind": "reminder", "due": "overdue", "escalate": "escalated"}
SKIPPED = "reminder_skipped"  # the audit event of a reminder that came too late to be sent
CURRENT_SWEEP = [None]  # the id of the sweep this process is running (app/deadlines/sweeper.py), for the logs


def escalation_time(due_at: datetime, after_working_days: int) -> datetime:
    """End of the working day `after_working_days` after the due day."""
    due_day = calendar.local_date(due_at)
    return calendar.end_of_day(calendar.add_working_days(due_day, after_working_days)) if after_working_days \
        else due_at


def following(clock_def, row_level: int, action: str, due_at: datetime) -> tuple[int, str | None, datetime | None]:
    """(level after this action, the next action, its time)."""
    ladder = clock_def.ladder
    level = row_level if action == "remind" else row_level + 1
    if action == "remind":
        return level, "due", due_at
    if level < len(ladder):
        step = ladder[level]
        return level, "escalate", escalation_time(due_at, step["after_working_days"])
    return level, None, None


def recipients(case: Case, roles, assignees_first: bool = False, side: str = "subject") -> list[int]:
    """Users holding one of `roles` over the case (assignees in those roles first, when asked); on the
    "also" side, over the case's second unit (a transfer's receiving school) when it has one."""
    path = case.also_unit_path if side == "also" and case.also_unit_path else case.unit_path
    if assignees_first and path == case.unit_path:  # the case's assignees are its own side's people
        assigned = db.session.execute(select(CaseAssignee.user_id).where(
            CaseAssignee.case_id == case.id, CaseAssignee.role.in_(roles))).scalars().all()
        if assigned:
            return sorted(set(assigned))
    rows = db.session.execute(
        select(RoleAssignment.user_id).join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.role.in_(roles), at_or_above(path))).scalars()
    return sorted(set(rows))


def act(deadline_id: int, action: str, at: datetime, now: datetime | None = None) -> str:
    """Do `action` of the deadline if it is still exactly what is due; return what happened."""
    now = now or clock.now()
    row = db.session.get(Deadline, deadline_id)
    if row is None or row.status != "open" or row.next_action != action or row.next_action_at != at:
        db.session.rollback()
        return "skipped"
    if at > now:
        db.session.rollback()
        return "early"
    # Lock the case row first, as a step does (case row, then its deadlines): taking the deadline row
    # first deadlocked with a step meeting that deadline.
    case = db.session.get(Case, row.case_id, with_for_update=True)
    defn = machine.get(case.workflow)
    clock_def = defn.clock(row.clock)
    # A reminder that only runs once its deadline has passed (Redis or every worker was down) would
    # announce a due day already gone: the overdue action supersedes it, in the same transaction.
    stale = action == "remind" and row.due_at <= now
    step = "due" if stale else action
    level, next_action, next_at = following(clock_def, row.level, step, row.due_at)
    moved = db.session.execute(
        update(Deadline).where(Deadline.id == row.id, Deadline.status == "open", Deadline.next_action == action,
                               Deadline.next_action_at == at)
        .values(level=level, next_action=next_action, next_action_at=next_at)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:  # another worker or the sweep did it first
        db.session.rollback()
        return "skipped"
    _fault_pause()
    if stale:
        _record(case, row, SKIPPED, row.level, [], [], now, reminder_at=at)
    notify_roles, users = audience(case, clock_def, step, level)
    _record(case, row, KIND[step], level, notify_roles, users, now)
    db.session.commit()
    fired_line(row, case.id, step, level, at, now, len(users), stale)
    return KIND[step]


def fired_line(row, case_id: int, step: str, level: int, at: datetime, now: datetime, notified: int,
               stale: bool) -> None:
    """One JSON log line per action done (whichever path did it)."""
    log.info("timer fired", extra={"deadline": row.id, "case": case_id, "clock": row.clock, "action": step,
                                   "escalation_level": level, "due_at": row.due_at.isoformat(), "late_s":
                                   round((now - at).total_seconds(), 3), "notified": notified,
                                   "reminder_skipped": stale, "sweep": CURRENT_SWEEP[0]})


def audience(case: Case, clock_def, action: str, level: int, find=recipients) -> tuple[list, list[int]]:
    """(roles, users) an action notifies: the reminder's people, or the ladder step's role holders.
    `find` looks the people up (recipients() queries; the batch path answers from rows it loaded).

    A clock without a ladder (or past its last step) is valid: it still falls due (level 1, the
    deadline is overdue), and tells the people its reminder goes to; there is nobody to escalate to."""
    if action == "remind" or level > len(clock_def.ladder):
        return list(clock_def.remind), find(case, clock_def.remind, assignees_first=True,
                                            side=clock_def.remind_side)
    roles = list(clock_def.ladder[level - 1]["notify"])
    return roles, find(case, roles)


def _fault_pause() -> None:
    """Fault injection for the crash tests: hold the transaction open here, after the conditional
    UPDATE and before COMMIT, when BAOXUE_FAULT_PAUSE_IN_ACT is set (never in production)."""
    pause = os.environ.get("BAOXUE_FAULT_PAUSE_IN_ACT")
    if pause:
        marker = os.environ.get("BAOXUE_FAULT_MARKER")
        if marker:
            open(marker, "w").close()
        time.sleep(float(pause))


def _record(case: Case, row: Deadline, kind: str, level: int, roles, users, now, **extra) -> None:
    """The audit event and the notifications of one deadline action (in the caller's transaction)."""
    # Lock the case row so the chain head we extend is the latest (a user's step may be committing).
    head = db.session.execute(select(Case.last_seq, Case.last_hash, Case.escalation_level)
                              .where(Case.id == case.id).with_for_update()).one()
    event, notices = writes(case, row, kind, level, roles, users, now, (head.last_seq, head.last_hash),
                            mail.addresses(users), **extra)
    audit.append(event)
    values = {"last_seq": event["seq"], "last_hash": event["hash"]}
    if level > head.escalation_level:
        values["escalation_level"] = level
    if marks_overdue(kind):
        values["overdue"] = True  # the lists' indexed flag (migration 0026); the step that meets it clears it
    db.session.execute(update(Case).where(Case.id == case.id).values(**values)
                       .execution_options(synchronize_session=False))
    if notices:
        db.session.execute(insert(Notification.__table__), notices)


def marks_overdue(kind: str) -> bool:
    """The action leaves the case with a deadline fallen due (cases.overdue)."""
    return kind in (KIND["due"], KIND["escalate"])


def writes(case, row, kind: str, level: int, roles, users, now, head: tuple[int, str], emails,
           **extra) -> tuple[dict, list[dict]]:
    """What one deadline action writes, as plain rows: its audit event after `head` (the case's last
    seq and hash) and its notifications. The one-by-one path and the batch path (app/deadlines/burst.py)
    both write exactly these."""
    event = audit.prepare(case.id, head, actor_id=None, actor="system", role="system",
                          action=kind, from_state=case.state, to_state=case.state,
                          data={"deadline": {"clock": row.clock, "point": row.point,
                                             "due_at": row.due_at.isoformat() + "Z"},
                                "level": level, "notified_roles": list(roles), "notified_users": users,
                                **{k: v.isoformat() + "Z" for k, v in extra.items()}}, at=now)
    title = _title(kind, level, case, row)
    notices = [{"user_id": user_id, "case_id": case.id, "deadline_id": row.id, "kind": kind, "level": level,
                "title": title, "body": "", "created_at": now, "read_at": None,
                "email_status": "pending" if user_id in emails else None, "email_attempts": 0,
                "emailed_at": None, "email_error": None} for user_id in users]
    return event, notices


def _title(kind: str, level: int, case: Case, row: Deadline) -> str:
    clock_zh = machine.get(case.workflow).clock(row.clock).zh
    due = calendar.local_date(row.due_at).isoformat()
    if kind == "reminder":
        return f"提醒: 个案 #{case.id} 的「{clock_zh}」将于 {due} 到期"
    if kind == "overdue":
        return f"逾期: 个案 #{case.id} 的「{clock_zh}」已于 {due} 到期未完成 (一级督办)"
    return f"升级督办({level}级): 个案 #{case.id} 的「{clock_zh}」仍未完成 (到期 {due})"


def due_now(now: datetime | None = None, limit: int = 10000) -> list[tuple[int, str, datetime]]:
    """Open deadlines whose next action is due (and not backing off after a failure)."""
    from app.deadlines import sweeper  # late: the sweeper imports this module (it runs act())
    return sweeper.due_now(now, limit)


def sweep(now: datetime | None = None, limit: int = 10000, passes: int = 5, **how) -> dict:
    """Fire every due action whose timer was lost (or has not run yet); see app/deadlines/sweeper.py."""
    from app.deadlines import sweeper  # late: the sweeper imports this module (it runs act())
    return sweeper.sweep(now, limit, passes, **how)


def next_actions(deadline_ids) -> list[tuple]:
    """(case_id, clock, point, next action, its time) of these deadlines, for the timers."""
    if not deadline_ids:
        return []
    return [tuple(r) for r in db.session.execute(
        select(Deadline.case_id, Deadline.clock, Deadline.point, Deadline.next_action, Deadline.next_action_at)
        .where(Deadline.id.in_(sorted(deadline_ids)), Deadline.status == "open",
               Deadline.next_action.is_not(None))).all()]
