"""The mismatches of a district as the list, the API and the 摸排 list read them: filters in SQL."""
from sqlalchemy import func, select

from app.errors import BadRequest
from app.extensions import db
from app.models import Mismatch
from app.registers import KINDS, STATUSES


def filters(district_id: int, *, kind: str = "", status: str = "", township: str = "", resolved: str = "") -> list:
    """WHERE clauses; a value outside its choices is a 400 naming the argument. By default the list shows
    the mismatches still found (resolved=1: only those a later comparison no longer finds; all: both)."""
    where = [Mismatch.district_id == district_id]
    if kind:
        if kind not in KINDS:
            raise BadRequest(f"kind 须为 {', '.join(KINDS)} / kind must be one of {', '.join(KINDS)}", field="kind")
        where.append(Mismatch.kind == kind)
    if status:
        if status not in STATUSES:
            raise BadRequest(f"status 须为 {', '.join(STATUSES)} / status must be one of {', '.join(STATUSES)}",
                             field="status")
        where.append(Mismatch.status == status)
    if township:
        if len(township) > 100:
            raise BadRequest("township 过长 / township is too long", field="township")
        where.append(Mismatch.township == township)
    if resolved in ("", "0", "false"):
        where.append(Mismatch.resolved_at.is_(None))
    elif resolved in ("1", "true"):
        where.append(Mismatch.resolved_at.is_not(None))
    elif resolved != "all":
        raise BadRequest("resolved 须为 0、1 或 all / resolved must be 0, 1 or all", field="resolved")
    return where


def query(where: list):
    """(rows query, count query): township, village, kind, name order; the id breaks ties for paging."""
    rows = select(Mismatch).where(*where).order_by(Mismatch.township, Mismatch.village, Mismatch.kind,
                                                   Mismatch.name, Mismatch.id)
    return rows, select(func.count(Mismatch.id)).where(*where)


def townships(district_id: int) -> list[str]:
    return list(db.session.scalars(select(Mismatch.township).where(Mismatch.district_id == district_id)
                                   .distinct().order_by(Mismatch.township)))
