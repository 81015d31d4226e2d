"""The access log: who read what of which child, and when (PIPL) — written on every read, read by supervisors.

record() writes an entry; the API and the page share query() and row(). The child is a pupil, or the
child of a registry mismatch whom no school lists (a household-register row: ID number, name, guardian).
A supervisor sees the reads of pupils whose class lies under their unit and of mismatches of a district
under it; the child is shown masked (the log is about who looked, not about the child).
"""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from app import clock
from app.errors import BadRequest
from app.extensions import db
from app.models import AccessLog, Mismatch, OrgUnit, Pupil, User
from app.web.keyset import Keys

WHAT = ("timeline", "personal_data", "export", "file")  # file: an evidence file a step carried


def record(actor, via: str, what: str = "personal_data", *, pupil_id: int | None = None,
           mismatch_id: int | None = None, case_id: int | None = None) -> None:
    """Log that `actor` read a child's data through `via` (the page or endpoint), committed with the
    request. A case about no pupil is about the mismatch it was opened from, if any (a door visit);
    a case about neither (a school's monthly report) holds no child's data and is not logged."""
    if pupil_id is None and mismatch_id is None and case_id is not None:
        mismatch_id = db.session.scalar(select(Mismatch.id).where(Mismatch.case_id == case_id).limit(1))
    if pupil_id is None and mismatch_id is None:
        return
    db.session.add(AccessLog(at=clock.now(), user_id=actor.id, pupil_id=pupil_id, mismatch_id=mismatch_id,
                             case_id=case_id, via=via, what=what))
    db.session.commit()


def filters(args) -> dict:
    """{pupil: int | None, user: str | None} from query arguments; a bad pupil id is a 400 naming it."""
    raw = (args.get("pupil") or "").strip()
    if raw and not (raw.isdigit() and 0 < int(raw) <= 2**31 - 1):
        raise BadRequest("pupil 须为学生编号(整数) / pupil must be a pupil id (an integer)", field="pupil")
    user = (args.get("user") or "").strip()[:64]
    return {"pupil": int(raw) if raw else None, "user": user or None}


KEYS = Keys(AccessLog.at, AccessLog.id, descending=True)  # newest first; by cursor (app/web/keyset.py)


def query(actor, *, pupil: int | None = None, user: str | None = None):
    """(rows query, count query) of the log in the actor's scope, newest first."""
    school_class, district = aliased(OrgUnit), aliased(OrgUnit)
    where = [or_(actor.unit_filter(school_class.path), actor.unit_filter(district.path))]
    if pupil is not None:
        where.append(AccessLog.pupil_id == pupil)
    if user is not None:
        where.append(User.username == user)

    def joined(stmt):
        return (stmt.outerjoin(Pupil, Pupil.id == AccessLog.pupil_id)
                .outerjoin(school_class, school_class.id == Pupil.class_id)
                .outerjoin(Mismatch, Mismatch.id == AccessLog.mismatch_id)
                .outerjoin(district, district.id == Mismatch.district_id)
                .join(User, User.id == AccessLog.user_id).where(*where))

    rows = KEYS.sorted(joined(select(AccessLog, User, Pupil, Mismatch)))
    return rows, joined(select(func.count(AccessLog.id)))


def masked_mismatch(m: Mismatch) -> dict:
    return {"id": m.id, "kind": m.kind, "name": (m.name[:1] + "**") if m.name else "",
            "id_number": m.id_number[:6] + "********" + m.id_number[-4:]}


def row(r) -> dict:
    entry, user, pupil, mismatch = r
    return {"id": entry.id, "at": entry.at.isoformat() + "Z", "what": entry.what, "via": entry.via,
            "case_id": entry.case_id, "user": {"username": user.username, "display_name": user.display_name},
            "pupil": pupil.to_dict(masked=True) if pupil is not None else None,
            "mismatch": masked_mismatch(mismatch) if mismatch is not None else None}
