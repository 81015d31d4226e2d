"""Reading the access log: who read what of which pupil, and when (PIPL) — for supervisors.

The API and the page share query() and row(). A supervisor sees the reads of pupils whose class lies
under their unit; the pupil is shown masked (the log is about who looked, not about the child).
"""
from sqlalchemy import func, select

from app.errors import BadRequest
from app.models import AccessLog, OrgUnit, Pupil, User

WHAT = ("timeline", "personal_data", "export")


def filters(args) -> dict:
    """{pupil: int | None, user: str | None} from query arguments; a bad pupil id is a 400 naming it."""
    raw = (args.get("pupil") or "").strip()
    if raw and not (raw.isdigit() and 0 < int(raw) <= 2**31 - 1):
        raise BadRequest("pupil 须为学生编号(整数) / pupil must be a pupil id (an integer)", field="pupil")
    user = (args.get("user") or "").strip()[:64]
    return {"pupil": int(raw) if raw else None, "user": user or None}


def query(actor, *, pupil: int | None = None, user: str | None = None):
    """(rows query, count query) of the log in the actor's scope, newest first."""
    where = [actor.unit_filter(OrgUnit.path)]
    if pupil is not None:
        where.append(AccessLog.pupil_id == pupil)
    if user is not None:
        where.append(User.username == user)

    def joined(stmt):
        return (stmt.join(Pupil, Pupil.id == AccessLog.pupil_id).join(OrgUnit, OrgUnit.id == Pupil.class_id)
                .join(User, User.id == AccessLog.user_id).where(*where))

    rows = joined(select(AccessLog, User, Pupil)).order_by(AccessLog.at.desc(), AccessLog.id.desc())
    return rows, joined(select(func.count(AccessLog.id)))


def row(r) -> dict:
    entry, user, pupil = r
    return {"id": entry.id, "at": entry.at.isoformat() + "Z", "what": entry.what, "via": entry.via,
            "case_id": entry.case_id, "user": {"username": user.username, "display_name": user.display_name},
            "pupil": pupil.to_dict(masked=True)}
