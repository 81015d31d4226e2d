"""The audit trail: the only writer of case events, and the verifier of their hash chain.

Each event's hash is SHA-256 over a canonical JSON of its content and the previous event's hash,
per case. The head of each chain (last seq + hash) is kept on the case row, so appending costs no
read and a deleted tail is noticed by verify().
"""
import hashlib
import json
from datetime import datetime

from sqlalchemy import insert, select

from app.extensions import db
from app.models import Case, CaseEvent

GENESIS = "0" * 64


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(*, case_id, seq, at: datetime, actor_id, actor, role, action, from_state, to_state, data,
               prev_hash) -> str:
    body = canonical({"case": case_id, "seq": seq, "at": at.isoformat(timespec="microseconds"),
                      "actor_id": actor_id, "actor": actor, "role": role, "action": action,
                      "from": from_state, "to": to_state, "data": data, "prev": prev_hash})
    return hashlib.sha256(body.encode()).hexdigest()


_INSERT = insert(CaseEvent.__table__)


def prepare(case_id: int, head: tuple[int, str], *, actor_id, actor: str, role: str, action: str, from_state,
            to_state, data: dict, at: datetime) -> dict:
    """The next event after `head` (the case's last seq and hash), hashed; the caller stores the new
    head (event["seq"], event["hash"]) on the case row and append()s the event in one transaction."""
    seq, prev = head[0] + 1, head[1] or GENESIS
    h = event_hash(case_id=case_id, seq=seq, at=at, actor_id=actor_id, actor=actor, role=role, action=action,
                   from_state=from_state, to_state=to_state, data=data, prev_hash=prev)
    return {"case_id": case_id, "seq": seq, "at": at, "actor_id": actor_id, "actor": actor, "role": role,
            "action": action, "from_state": from_state, "to_state": to_state, "data": data, "prev_hash": prev,
            "hash": h}


def append(event: dict) -> None:
    db.session.execute(_INSERT, event)


def _broken(event: CaseEvent, reason: str) -> dict:
    return {"case_id": event.case_id, "seq": event.seq, "event_id": event.id, "reason": reason}


def verify(case_id: int | None = None, progress=None) -> dict:
    """Recompute every chain (or one case's); name the first event that does not hold."""
    q = select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)
    heads = select(Case.id, Case.last_seq, Case.last_hash).where(Case.last_seq > 0)
    if case_id is not None:
        q, heads = q.where(CaseEvent.case_id == case_id), heads.where(Case.id == case_id)
    head_of = {cid: (seq, h) for cid, seq, h in db.session.execute(heads)}
    checked, current, expect_seq, prev = 0, None, 1, GENESIS

    def fail(broken):
        return {"ok": False, "events_checked": checked, "first_broken": broken}

    def tail_lost(cid, last_seq, last_hash):
        # The case row names the chain's head; a chain that stops short of it lost events.
        want = head_of.pop(cid, None)
        if want is not None and want != (last_seq, last_hash):
            return {"case_id": cid, "seq": last_seq + 1, "event_id": None,
                    "reason": "events missing at the end of the chain (the case's head does not match)"}

    for event in db.session.execute(q.execution_options(yield_per=2000)).scalars():
        if event.case_id != current:
            if current is not None and (bad := tail_lost(current, expect_seq - 1, prev)):
                return fail(bad)
            current, expect_seq, prev = event.case_id, 1, GENESIS
        checked += 1
        if progress:
            progress(1)
        if reason := check_event(event, expect_seq, prev):
            return fail(_broken(event, reason))
        expect_seq, prev = event.seq + 1, event.hash
    if current is not None and (bad := tail_lost(current, expect_seq - 1, prev)):
        return fail(bad)
    if head_of:  # cases whose every event is gone
        cid = min(head_of)
        return fail({"case_id": cid, "seq": 1, "event_id": None, "reason": "all events of the case are missing"})
    return {"ok": True, "events_checked": checked, "first_broken": None}


def events(case_id: int) -> list[CaseEvent]:
    """A case's events in order (one query)."""
    return db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                              .order_by(CaseEvent.seq)).scalars().all()


def check_event(event, expect_seq: int, prev: str) -> str | None:
    """Why this event breaks the chain after `prev` (None when it holds)."""
    if event.seq != expect_seq:
        return "sequence gap"
    if event.prev_hash != prev:
        return "previous hash does not match"
    recomputed = event_hash(case_id=event.case_id, seq=event.seq, at=event.at, actor_id=event.actor_id,
                            actor=event.actor, role=event.role, action=event.action, from_state=event.from_state,
                            to_state=event.to_state, data=event.data, prev_hash=event.prev_hash)
    if recomputed != event.hash:
        return "content does not match its hash"
    return None


def check_chain(case, events) -> dict:
    """One case's chain checked on events already loaded (a timeline page needs no second read)."""
    prev, expect = GENESIS, 1
    for event in events:
        if reason := check_event(event, expect, prev):
            return {"ok": False, "events_checked": expect, "first_broken": _broken(event, reason)}
        expect, prev = event.seq + 1, event.hash
    if (case.last_seq, case.last_hash) != (expect - 1, prev if expect > 1 else case.last_hash):
        return {"ok": False, "events_checked": expect - 1, "first_broken": {
            "case_id": case.id, "seq": expect, "event_id": None,
            "reason": "events missing at the end of the chain (the case's head does not match)"}}
    return {"ok": True, "events_checked": expect - 1, "first_broken": None}


def count_events(case_id: int | None = None) -> int:
    q = select(db.func.count(CaseEvent.id))
    if case_id is not None:
        q = q.where(CaseEvent.case_id == case_id)
    return db.session.execute(q).scalar_one()
