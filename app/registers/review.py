"""A reviewer's answer to a mismatch: open a case from it, or dismiss it with a reason and evidence.

Opening goes through the engine's open_case() (source `registry`, the mismatch as the opening's
evidence on the case's audit chain). Which workflow opens is the definitions' word (their "registry"
entry): for a pupil on the roster a suspected case of the workflow that opens for "pupil"; for a child
not on the roster — who cannot be the subject of a pupil's case — a 铁脚板摸排 visit of the workflow
that opens for "unenrolled" (its subject the district and the mismatch), whose clock is the visit's
deadline. A pupil whose open case is the cause (学籍在但不在校) is linked to that case: it exists.

Both answers are recorded on the admin-event log (append-only), where changes outside a case's
workflow are: the mismatch is not a case, so it has no chain of its own; the case it opens carries the
mismatch on its first event.
"""
from sqlalchemy import update

from app import clock
from app.audit import history
from app.deadlines import calendar
from app.engine import machine
from app.engine.operations import open_case
from app.errors import Conflict, Invalid
from app.extensions import db
from app.models import Mismatch
from app.privacy import access_log
from app.registers import KIND_LABELS


def as_dict(m: Mismatch, *, masked: bool = False) -> dict:
    number = m.id_number if not masked else m.id_number[:6] + "********" + m.id_number[-4:]
    return {"id": m.id, "district_id": m.district_id, "kind": m.kind, "kind_label": KIND_LABELS[m.kind],
            "id_number": number, "name": m.name, "birth_date": m.birth_date.isoformat() if m.birth_date else None,
            "township": m.township, "village": m.village, "guardian": m.guardian, "pupil_id": m.pupil_id,
            "known_case_id": m.known_case_id, "found_at": m.found_at.isoformat() + "Z",
            "resolved_at": m.resolved_at.isoformat() + "Z" if m.resolved_at else None, "status": m.status,
            "case_id": m.case_id, "reason": m.reason, "receipt_no": m.receipt_no, "evidence": m.evidence,
            "reviewed_by": m.reviewed_by,
            "reviewed_at": m.reviewed_at.isoformat() + "Z" if m.reviewed_at else None}


def shown(m: Mismatch, actor, via: str) -> dict:
    """`m` in full (ID number, name, guardian) for a reviewer, the read logged: the child may be on no
    school's roster, so the mismatch is the only place their data is read from."""
    access_log.record(actor, via, pupil_id=m.pupil_id, mismatch_id=m.id)
    return as_dict(m)


def opener(m: Mismatch):
    """The definition a review of `m` opens a case of (None: none is registered for it)."""
    wanted = "pupil" if m.pupil_id else "unenrolled"
    return next((d for d in machine.registered().values() if d.registry.get("opens_for") == wanted), None)


def _open_for_review(m: Mismatch) -> None:
    if m.status != "open":
        raise Conflict(f"此比对结果已处理 ({m.status}) / this mismatch was already reviewed ({m.status})",
                       open_case_id=m.case_id)
    if m.resolved_at is not None:
        raise Conflict("此比对结果已消除 / this mismatch was resolved by a later comparison")


def open_from(m: Mismatch, actor, given: dict) -> int:
    """Open (or link) the case a review of `m` means; returns its id. Raises Conflict when `m` was
    answered already, and what open_case() raises (the pupil out of scope: 404)."""
    _open_for_review(m)
    evidence = {"mismatch": as_dict(m)}
    if m.known_case_id:
        case_id = m.known_case_id
    else:
        defn = opener(m)
        if defn is None:
            raise Invalid({"mismatch": "没有可立案的流程 / no workflow opens a case for this mismatch"})
        payload = defn.registry["payload"](as_dict(m), calendar.local_date(clock.now()).isoformat(), given)
        try:
            case_id = open_case(actor, payload, defn.name, evidence=evidence)
        except Conflict as e:
            # Opened already (a second reviewer, or a first try whose answer was lost): the case is the one.
            case_id = e.extra.get("open_case_id")
            if not case_id:
                raise
    _answer(m, actor, "case_opened", {"case_id": case_id}, "mismatch_case_opened")
    return case_id


def dismiss(m: Mismatch, actor, reason: str, evidence: str, receipt_no: str = "") -> None:
    _open_for_review(m)
    _answer(m, actor, "dismissed", {"reason": reason, "evidence": evidence, "receipt_no": receipt_no or None},
            "mismatch_dismissed")


def _answer(m: Mismatch, actor, status: str, values: dict, action: str) -> None:
    """Record the answer once: the UPDATE is guarded by the mismatch still being open, so of two
    reviewers racing exactly one is recorded (the other gets 409)."""
    now = clock.now()
    done = db.session.execute(update(Mismatch).where(Mismatch.id == m.id, Mismatch.status == "open").values(
        status=status, reviewed_by=actor.username, reviewed_at=now, **values)).rowcount
    if not done:
        db.session.rollback()
        raise Conflict("此比对结果已被他人处理 / someone else reviewed this mismatch first")
    history.admin_event(history.by(actor), action, f"mismatch:{m.id}", {"status": "open", "kind": m.kind},
                        {"status": status, **values})
    db.session.commit()
    db.session.refresh(m)
