"""Audit checkpoints: the head of every chain, written to a file kept outside the database.

The chain alone cannot show a tail deleted together with the case's head rolled back, a case deleted
with all its events, or a truncated table: what is left still chains. A checkpoint records, at a moment,
each case's last seq and hash and its event count, signed with the audit key; verifying against it
demands that every recorded event is still there with its recorded hash and that no recorded case is
gone. Events added since are fine: chains only grow.
"""
import hmac
import json

from sqlalchemy import func, select

from app import clock

from app.audit import chain as audit
from app.extensions import db
from app.models import Case, CaseEvent

FORMAT = "baoxue-audit-checkpoint/1"
# Domain separation: a checkpoint's signature can never pass for an event's hash, nor the reverse.
_CONTEXT = b"baoxue audit checkpoint\n"


class CheckpointError(Exception):
    """The checkpoint file itself is unusable: not one, edited, or signed with another key."""


def _sign(body: dict, key: bytes) -> str:
    content = {k: v for k, v in body.items() if k != "hmac"}
    return hmac.digest(key, _CONTEXT + audit.canonical(content).encode(), "sha256").hex()


def take(progress=None) -> tuple[dict, dict | None]:
    """(verify result, checkpoint): the chains are verified while their heads are collected, and a
    checkpoint is only made of chains that hold (it would otherwise vouch for a break)."""
    heads: dict = {}
    result = audit.verify(progress=progress, heads=heads)
    if not result["ok"]:
        return result, None
    return result, signed(heads)


def signed(heads: dict, scope: dict | None = None) -> dict:
    """The signed checkpoint of `heads` {case id: (last seq, last hash, event count)}; `scope` (a
    school's, for a frozen report) says which cases it is restricted to."""
    body = {
        "format": FORMAT,
        "taken_at": clock.now().isoformat(timespec="seconds") + "Z",
        "database": db.engine.url.render_as_string(hide_password=True),
        "key_id": audit.key_id(),
        **({"scope": scope} if scope else {}),
        "cases_total": len(heads),
        "events_total": sum(n for _seq, _hash, n in heads.values()),
        "cases": [{"case": cid, "seq": seq, "hash": h, "events": n} for cid, (seq, h, n) in sorted(heads.items())],
    }
    body["hmac"] = _sign(body, audit.key())
    return body


def of_cases(where, scope: dict) -> dict:
    """A signed checkpoint of the cases `where` selects, from their rows' chain heads and event counts
    (one grouped read: it is taken inside a step). The chains themselves are verified when something is
    verified against it, as every chain is then."""
    counts = select(CaseEvent.case_id, func.count(CaseEvent.id).label("n")).group_by(CaseEvent.case_id).subquery()
    rows = db.session.execute(select(Case.id, Case.last_seq, Case.last_hash, func.coalesce(counts.c.n, 0))
                              .outerjoin(counts, counts.c.case_id == Case.id)
                              .where(where, Case.last_seq > 0)).all()
    return signed({cid: (seq, h, n) for cid, seq, h, n in rows}, scope)


def dumps(body: dict) -> str:
    # One case per line: diffable, printable, and still plain JSON.
    cases = ",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in body["cases"])
    head = {k: v for k, v in body.items() if k not in ("cases", "hmac")}
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    return "{\n" + "\n".join(lines) + f'\n  "cases": [\n{cases}\n  ],\n  "hmac": {json.dumps(body["hmac"])}\n}}\n'


def load(text: str) -> dict:
    """The checkpoint in `text`, its own HMAC checked with this installation's key."""
    try:
        body = json.loads(text)
    except ValueError as e:
        raise CheckpointError(f"not a checkpoint (invalid JSON: {e})") from None
    return check(body)


def check(body) -> dict:
    """`body` if it is a checkpoint signed with this installation's key (CheckpointError if not)."""
    if not isinstance(body, dict) or body.get("format") != FORMAT or not isinstance(body.get("cases"), list):
        raise CheckpointError(f"not a checkpoint (format is not {FORMAT})")
    key = audit.key()
    if body.get("key_id") != audit.key_id(key):
        raise CheckpointError("the checkpoint was signed with another audit key (its key id "
                              f"{body.get('key_id')}, this installation's {audit.key_id(key)})")
    if not hmac.compare_digest(str(body.get("hmac", "")), _sign(body, key)):
        raise CheckpointError("the checkpoint's own HMAC does not match: the file was edited")
    return body


def marks(body: dict, case_id: int | None = None) -> dict:
    """{case id: (seq, hash)} of a loaded checkpoint (one case's when case_id is given)."""
    out = {c["case"]: (c["seq"], c["hash"]) for c in body["cases"]}
    if case_id is not None:
        out = {case_id: out[case_id]} if case_id in out else {}
    return out


def verify_against(body: dict, case_id: int | None = None, progress=None) -> dict:
    return audit.verify(case_id, progress=progress, against=marks(body, case_id))
