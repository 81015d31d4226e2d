"""The audit trail: the only writer of case events, and the verifier of their hash chain.

Each event's hash is an HMAC-SHA256, keyed with a key the database does not hold (BAOXUE_AUDIT_KEY),
over a canonical JSON of its content and the previous event's hash, per case. So someone who can write
to the database but lacks the key cannot recompute a chain after rewriting it. The head of each chain
(last seq + hash) is kept on the case row, so appending costs no read and a deleted tail is noticed by
verify(); a tail deleted *with* the head rolled back, or a whole case removed, is found by verifying
against a checkpoint kept outside the database (app/audit/checkpoint.py).
"""
import hmac
import json
import logging
import os
import secrets
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select

from app.deadlines.calendar import local_date
from app.extensions import db
from app.models import Case, CaseEvent

GENESIS = "0" * 64
log = logging.getLogger(__name__)


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def key() -> bytes:
    """The chain's key: BAOXUE_AUDIT_KEY (config AUDIT_KEY), else instance/audit_key, created once."""
    k = current_app.config.get("AUDIT_KEY")
    if k is None:
        path = Path(current_app.instance_path) / "audit_key"
        k = current_app.config["AUDIT_KEY"] = _instance_key(path)
        log.warning("BAOXUE_AUDIT_KEY is not set: the audit chain is keyed with %s. Production must set "
                    "BAOXUE_AUDIT_KEY from the environment, kept away from the database and its backups.", path)
    return k.encode() if isinstance(k, str) else k


def _instance_key(path: Path) -> bytes:
    """Read the instance key, creating it first if absent. Written to a private temporary file and
    published with link(), so a web process and a worker starting together agree on one key and
    neither ever reads a half-written file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".audit_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process won: use its key
            pass
        finally:
            os.unlink(tmp)
    value = path.read_text().strip()
    if not value:
        raise RuntimeError(f"{path} is empty: set BAOXUE_AUDIT_KEY or restore the key file")
    return value.encode()


def key_id(k: bytes | None = None) -> str:
    """A short fingerprint of the key (not the key): tells "made with another key" from "edited"."""
    return hmac.digest(k or key(), b"baoxue audit key id", "sha256").hex()[:16]


def event_hash(*, case_id, seq, at: datetime, actor_id, actor, role, action, from_state, to_state, data,
               prev_hash, key: bytes) -> str:
    body = canonical({"case": case_id, "seq": seq, "at": at.isoformat(timespec="microseconds"),
                      "actor_id": actor_id, "actor": actor, "role": role, "action": action,
                      "from": from_state, "to": to_state, "data": data, "prev": prev_hash})
    return hmac.digest(key, body.encode(), "sha256").hex()


_INSERT = insert(CaseEvent.__table__)


def prepare(case_id: int, head: tuple[int, str], *, actor_id, actor: str, role: str, action: str, from_state,
            to_state, data: dict, at: datetime, occurred_on: date | None = None) -> dict:
    """The next event after `head` (the case's last seq and hash), hashed; the caller stores the new
    head (event["seq"], event["hash"]) on the case row and append()s the event in one transaction.

    occurred_on: the day the thing happened in the world (a visit's date), which the figures count
    by; it goes into the hashed data, and the indexed column is its copy (check_event compares them).
    Without it the event happened the local day it is recorded."""
    if occurred_on is not None:
        data = {**data, "occurred_on": occurred_on.isoformat()}
    seq, prev = head[0] + 1, head[1] or GENESIS
    h = event_hash(case_id=case_id, seq=seq, at=at, actor_id=actor_id, actor=actor, role=role, action=action,
                   from_state=from_state, to_state=to_state, data=data, prev_hash=prev, key=key())
    return {"case_id": case_id, "seq": seq, "at": at, "actor_id": actor_id, "actor": actor, "role": role,
            "action": action, "from_state": from_state, "to_state": to_state, "data": data, "prev_hash": prev,
            "hash": h, "occurred_on": occurred_on or local_date(at)}


def append(event: dict) -> None:
    db.session.execute(_INSERT, event)


def append_many(events: list[dict]) -> None:
    """Events of several cases in one statement (a calendar change re-times hundreds of cases at once)."""
    if events:
        db.session.execute(_INSERT, events)


def _broken(event: CaseEvent, reason: str) -> dict:
    return {"case_id": event.case_id, "seq": event.seq, "event_id": event.id, "reason": reason}


TAIL_LOST = "events missing at the end of the chain (the case's head does not match)"


def verify(case_id: int | None = None, progress=None, against: dict | None = None,
           heads: dict | None = None) -> dict:
    """Recompute every chain (or one case's); name the first event that does not hold.

    against: {case_id: (seq, hash)} from a checkpoint: each recorded event must still be there with its
    recorded hash, and every recorded case still exist (what the chain alone cannot show: a tail
    deleted with the head rolled back, a deleted case, a truncated table). heads: a dict to fill with
    {case_id: (last seq, last hash, event count)} of the chains walked (a checkpoint's content)."""
    q = select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)
    head_q = select(Case.id, Case.last_seq, Case.last_hash).where(Case.last_seq > 0)
    if case_id is not None:
        q, head_q = q.where(CaseEvent.case_id == case_id), head_q.where(Case.id == case_id)
    head_of = {cid: (seq, h) for cid, seq, h in db.session.execute(head_q)}
    recorded = dict(against or {})
    k = key()
    checked, current, expect_seq, prev, want, case_start = 0, None, 1, GENESIS, None, 0

    def fail(broken):
        return {"ok": False, "events_checked": checked, "first_broken": broken}

    def close(cid, last_seq, last_hash):
        """The end of a case's chain: it must reach the case row's head and the checkpoint's seq."""
        if heads is not None:
            heads[cid] = (last_seq, last_hash, checked - case_start)
        expected = head_of.pop(cid, None)
        if expected is not None and expected != (last_seq, last_hash):
            return {"case_id": cid, "seq": last_seq + 1, "event_id": None, "reason": TAIL_LOST}
        mark = recorded.pop(cid, None)
        if mark is not None and last_seq < mark[0]:
            gone = f"event {mark[0]}" if last_seq + 1 == mark[0] else f"events {last_seq + 1}–{mark[0]}"
            return {"case_id": cid, "seq": last_seq + 1, "event_id": None,
                    "reason": f"{gone} deleted since the checkpoint (the chain ends at seq {last_seq}, the "
                              f"checkpoint recorded seq {mark[0]})"}

    for event in db.session.execute(q.execution_options(yield_per=2000)).scalars():
        if event.case_id != current:
            if current is not None and (bad := close(current, expect_seq - 1, prev)):
                return fail(bad)
            current, expect_seq, prev, want = event.case_id, 1, GENESIS, recorded.get(event.case_id)
            case_start = checked
        checked += 1
        if progress:
            progress(1)
        if reason := check_event(event, expect_seq, prev, k):
            return fail(_broken(event, reason))
        if want is not None and event.seq == want[0] and event.hash != want[1]:
            return fail(_broken(event, "differs from the checkpoint: rewritten since it was taken"))
        expect_seq, prev = event.seq + 1, event.hash
    if current is not None and (bad := close(current, expect_seq - 1, prev)):
        return fail(bad)
    missing = [(cid, "all events of the case are missing") for cid in head_of]
    missing += [(cid, f"case gone since the checkpoint (the checkpoint recorded {mark[0]} events, the "
                      "database has none)") for cid, mark in recorded.items()]
    if missing:
        cid, reason = min(missing)
        return fail({"case_id": cid, "seq": 1, "event_id": None, "reason": reason})
    return {"ok": True, "events_checked": checked, "first_broken": None}


def events(case_id: int) -> list[CaseEvent]:
    """A case's events in order (one query)."""
    return db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                              .order_by(CaseEvent.seq)).scalars().all()


def check_event(event, expect_seq: int, prev: str, k: bytes) -> str | None:
    """Why this event breaks the chain after `prev` (None when it holds)."""
    if event.seq != expect_seq:
        return "sequence gap"
    if event.prev_hash != prev:
        return "previous hash does not match"
    recomputed = event_hash(case_id=event.case_id, seq=event.seq, at=event.at, actor_id=event.actor_id,
                            actor=event.actor, role=event.role, action=event.action, from_state=event.from_state,
                            to_state=event.to_state, data=event.data, prev_hash=event.prev_hash, key=k)
    if recomputed != event.hash:
        return "content does not match its hash"
    stated = (event.data or {}).get("occurred_on") if isinstance(event.data, dict) else None
    if stated is not None and getattr(event, "occurred_on", None) is not None \
            and event.occurred_on.isoformat() != stated:
        return "occurred_on does not match the date in its hashed data"
    return None


def check_chain(case, events) -> dict:
    """One case's chain checked on events already loaded (a timeline page needs no second read)."""
    prev, expect, k = GENESIS, 1, key()
    for event in events:
        if reason := check_event(event, expect, prev, k):
            return {"ok": False, "events_checked": expect, "first_broken": _broken(event, reason)}
        expect, prev = event.seq + 1, event.hash
    if (case.last_seq, case.last_hash) != (expect - 1, prev if expect > 1 else case.last_hash):
        return {"ok": False, "events_checked": expect - 1, "first_broken": {
            "case_id": case.id, "seq": expect, "event_id": None,
            "reason": TAIL_LOST}}
    return {"ok": True, "events_checked": expect - 1, "first_broken": None}


def count_events(case_id: int | None = None) -> int:
    q = select(db.func.count(CaseEvent.id))
    if case_id is not None:
        q = q.where(CaseEvent.case_id == case_id)
    return db.session.execute(q).scalar_one()
