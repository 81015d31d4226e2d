"""Due deadline actions in batches, on PostgreSQL: how a burst is cleared (after a long holiday,
thousands of deadlines fall due the same morning) by several workers at once.

A batch is one transaction:
1. claim: lock the cases of up to BATCH due actions with SELECT … FOR UPDATE SKIP LOCKED, so
   workers running this loop side by side each take cases the others have not, and never wait for
   each other. The case row is locked first, as act() and a step do (case row, then its deadlines).
2. re-read the claimed cases' due deadlines, locked (a new statement sees what another worker
   committed meanwhile: an action already done is no longer due and is left alone).
3. compute every action in Python exactly as act() would (app/deadlines/actions.py writes()),
   chaining each case's events from its locked head;
4. write set-based: one COPY of the events, one of the notifications, one UPDATE of the
   cases' heads/escalation level/overdue flag and one of the deadline rows (each UPDATE … FROM the
   rows sent as arrays). The deadline UPDATE repeats act()'s condition (the exact action claimed).

Exactly once comes from the claim: the case lock and the deadline row's change commit together, so a
timer (act() waits for the case lock, then finds the action done) or another worker never repeats
it. No unique index is relied on. A row whose action raises in step 3 is left out and recorded as an
incident (app/deadlines/incidents.py) after the batch commits; a batch whose statements fail is rolled
back and its actions done one by one (sweeper.fire()), which isolates the bad row.
"""
import json
import logging
import os
import time
from datetime import datetime

from sqlalchemy import JSON, select, text

from app.deadlines import actions, incidents, mail
from app.deadlines.people import People
from app.engine import machine
from app.extensions import db
from app.models import Case, CaseEvent, Deadline, Notification

log = logging.getLogger("baoxue.timers")
# Actions per transaction: large enough that the round trips are shared, small enough that a batch's
# locks are held for well under a second and 4 workers find work side by side.
BATCH = int(os.environ.get("BAOXUE_BURST_BATCH", "500"))

_CASES = text("""
    UPDATE cases AS c SET last_seq = v.seq, last_hash = v.hash,
           escalation_level = GREATEST(c.escalation_level, v.level), overdue = c.overdue OR v.overdue
      FROM unnest(CAST(:ids AS integer[]), CAST(:seqs AS integer[]), CAST(:hashes AS varchar[]),
                  CAST(:levels AS integer[]), CAST(:overdue AS boolean[])) AS v(id, seq, hash, level, overdue)
     WHERE c.id = v.id""")
_DEADLINES = text("""
    UPDATE deadlines AS d SET level = v.level, next_action = v.next_action, next_action_at = v.next_at
      FROM unnest(CAST(:ids AS integer[]), CAST(:levels AS integer[]), CAST(:actions AS varchar[]),
                  CAST(:ats AS timestamp[]), CAST(:was AS varchar[]), CAST(:was_at AS timestamp[]))
           AS v(id, level, next_action, next_at, was, was_at)
     WHERE d.id = v.id AND d.status = 'open' AND d.next_action = v.was AND d.next_action_at = v.was_at""")


def _due(now: datetime):
    return (Deadline.status == "open", Deadline.next_action.is_not(None), Deadline.next_action_at <= now,
            ~incidents.backing_off(now))


def claim(now: datetime, n: int) -> tuple[list[int], bool]:
    """Lock the cases of up to n due actions that no other transaction holds: (their ids, whether n
    were found: more may be waiting)."""
    ids = db.session.execute(
        select(Case.id).join(Deadline, Deadline.case_id == Case.id).where(*_due(now))
        .order_by(Deadline.next_action_at).limit(n).with_for_update(of=Case, skip_locked=True)).scalars().all()
    return sorted(set(ids)), len(ids) >= n


def run_batch(now: datetime, n: int, failing: dict[int, int]) -> tuple[dict, set[int], int, bool]:
    """One batch: ({result: count}, deadline ids done, cases claimed, whether the claim was full).
    0 cases claimed: nothing due is left unclaimed."""
    case_ids, full = claim(now, n)
    if not case_ids:
        db.session.rollback()
        return {}, set(), 0, False
    cases = {c.id: c for c in db.session.execute(
        select(Case.id, Case.workflow, Case.state, Case.unit_path, Case.also_unit_path, Case.last_seq,
               Case.last_hash).where(Case.id.in_(case_ids)))}
    rows = db.session.execute(
        select(Deadline.id, Deadline.case_id, Deadline.clock, Deadline.point, Deadline.due_at, Deadline.level,
               Deadline.next_action, Deadline.next_action_at)
        .where(Deadline.case_id.in_(case_ids), *_due(now))
        .order_by(Deadline.case_id, Deadline.next_action_at, Deadline.id).with_for_update(of=Deadline)).all()
    plan, broken = compute(cases, rows, now)
    try:
        write(plan)
        actions._fault_pause()
        db.session.commit()
    except Exception:  # noqa: BLE001 — one bad row must not stop the burst: do these one by one
        db.session.rollback()
        log.exception("deadline batch failed; doing its actions one by one", extra={"actions": len(rows)})
        return *_one_by_one(rows, now, failing), len(case_ids), full
    counts: dict[str, int] = {}
    for item in plan["done"]:
        actions.fired_line(item["row"], item["row"].case_id, item["step"], item["level"],
                           item["row"].next_action_at, now, item["notified"], item["stale"])
        result = actions.KIND[item["step"]]
        counts[result] = counts.get(result, 0) + 1
    done = {item["row"].id for item in plan["done"]}
    resolved = [failing.pop(d) for d in list(done) if d in failing]
    if resolved:
        incidents.resolve(resolved, "fired", now)
    for row, error in broken:  # after the commit: record() runs in a transaction of its own
        log.error("deadline action raised", exc_info=error, extra={"deadline": row.id, "action": row.next_action})
        incidents.record(row.id, row.next_action, row.next_action_at, error, now)
        counts["failed"] = counts.get("failed", 0) + 1
    return counts, done, len(case_ids), full


def compute(cases: dict, rows, now: datetime) -> tuple[dict, list]:
    """Every action of the batch as act() would do it: the rows to write, and the rows that raised."""
    people = People(cases.values(), _roles_of(cases, rows))
    emails = mail.addresses(people.all_users()) if rows else set()
    heads = {cid: (c.last_seq, c.last_hash) for cid, c in cases.items()}
    plan = {"events": [], "notices": [], "cases": {}, "deadlines": [], "done": []}
    broken = []
    for row in rows:
        case = cases[row.case_id]
        try:
            clock_def = machine.get(case.workflow).clock(row.clock)
            action, at = row.next_action, row.next_action_at
            stale = action == "remind" and row.due_at <= now  # superseded by the overdue action (see act())
            step = "due" if stale else action
            level, next_action, next_at = actions.following(clock_def, row.level, step, row.due_at)
            roles, users = actions.audience(case, clock_def, step, level, find=people.recipients)
            head, written = heads[case.id], []
            if stale:
                written.append(actions.writes(case, row, actions.SKIPPED, row.level, [], [], now, head, emails,
                                              reminder_at=at))
                head = (written[-1][0]["seq"], written[-1][0]["hash"])
            written.append(actions.writes(case, row, actions.KIND[step], level, roles, users, now, head, emails))
        except Exception as error:  # noqa: BLE001 — this row only: an incident, the batch goes on
            broken.append((row, error))
            continue
        heads[case.id] = (written[-1][0]["seq"], written[-1][0]["hash"])
        for event, notices in written:
            plan["events"].append(event)
            plan["notices"].extend(notices)
        mark = plan["cases"].setdefault(case.id, {"level": 0, "overdue": False})
        mark["level"] = max(mark["level"], level)
        mark["overdue"] = mark["overdue"] or actions.marks_overdue(actions.KIND[step])
        plan["deadlines"].append((row.id, level, next_action, next_at, action, at))
        plan["done"].append({"row": row, "step": step, "level": level, "notified": len(users), "stale": stale})
    for cid, mark in plan["cases"].items():
        mark["seq"], mark["hash"] = heads[cid]
    return plan, broken


def _roles_of(cases: dict, rows) -> set[str]:
    """Every role any of these actions could notify (the people to load)."""
    roles = set()
    for row in rows:
        try:
            clock_def = machine.get(cases[row.case_id].workflow).clock(row.clock)
        except Exception:  # noqa: BLE001 — compute() records it
            continue
        roles.update(clock_def.remind)
        for step in clock_def.ladder:
            roles.update(step["notify"])
    return roles


def write(plan: dict) -> None:
    """The batch's writes: four set-based statements (the two inserts as COPY)."""
    if not plan["deadlines"]:
        return
    copy(CaseEvent.__table__, plan["events"])
    copy(Notification.__table__, plan["notices"])
    marks = plan["cases"]
    db.session.execute(_CASES, {"ids": list(marks), "seqs": [m["seq"] for m in marks.values()],
                                "hashes": [m["hash"] for m in marks.values()],
                                "levels": [m["level"] for m in marks.values()],
                                "overdue": [m["overdue"] for m in marks.values()]})
    cols = list(zip(*plan["deadlines"]))
    moved = db.session.execute(_DEADLINES, dict(zip(("ids", "levels", "actions", "ats", "was", "was_at"),
                                                    map(list, cols)))).rowcount
    if moved != len(plan["deadlines"]):  # cannot happen while the rows are locked; never write half
        raise RuntimeError(f"deadline batch moved {moved} of {len(plan['deadlines'])} rows")


def copy(table, rows: list[dict]) -> None:
    """Insert rows with one COPY on the session's connection (in its transaction). An executemany
    INSERT without RETURNING is one statement per row on the wire; COPY streams them all at once.
    JSON columns are serialised as the engine would (the hash is over the dict, not this text)."""
    if not rows:
        return
    cols = list(rows[0])
    as_json = {c for c in cols if isinstance(table.c[c].type, JSON)}
    dumps = db.engine.dialect._json_serializer or json.dumps
    raw = db.session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in cols)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as out:
        for row in rows:
            out.write_row([dumps(row[c]) if c in as_json and row[c] is not None else row[c] for c in cols])


def _one_by_one(rows, now: datetime, failing: dict[int, int]) -> tuple[dict, set[int]]:
    from app.deadlines import sweeper  # late: the sweeper imports this module
    counts: dict[str, int] = {}
    done = set()
    for row in rows:
        result = sweeper.fire(row.id, row.next_action, row.next_action_at, now, failing)
        counts[result] = counts.get(result, 0) + 1
        if result not in ("skipped", "early", "failed"):
            done.add(row.id)
    return counts, done


def drain(now: datetime, budget: int | None = None, seconds: float | None = None,
          failing: dict[int, int] | None = None, on_full=None) -> tuple[dict, set[int]]:
    """Batches until nothing due is left unclaimed (or `budget` actions / `seconds` are spent).

    on_full: called once, when the first batch comes back full (a burst: time to call for help)."""
    failing = incidents.open_ids() if failing is None else failing
    db.session.rollback()
    counts: dict[str, int] = {}
    done: set[int] = set()
    end = time.monotonic() + seconds if seconds else None
    first = True
    while budget is None or budget > 0:
        n = BATCH if budget is None else min(BATCH, budget)
        got, fired, claimed, full = run_batch(now, n, failing)
        if not claimed:
            break
        if first and on_full is not None and full:
            on_full()
        first = False
        for k, v in got.items():
            counts[k] = counts.get(k, 0) + v
        done |= fired
        if budget is not None:
            budget -= max(sum(got.values()), 1)
        if end is not None and time.monotonic() > end:
            break
    return counts, done

