"""Whose register it is: a register is a county's, kept and compared by the bureau officers of that
district. Any other role is refused (403); a district outside the officer's grants does not exist for
them (404), as everywhere else."""
from sqlalchemy import select

from app.auth.actor import Actor
from app.auth.roles import REGISTER_ROLES
from app.errors import NotFound, NotPermitted
from app.extensions import db
from app.models import Mismatch, OrgUnit

ROLE = REGISTER_ROLES[0]
MAX_ID = 2**31 - 1


def require_officer(actor: Actor) -> None:
    if not actor.has_role(ROLE):
        raise NotPermitted("只有教育局控辍专干可以进行学籍比对 / only a bureau officer may work the registers",
                           roles_allowed=[ROLE])


def districts_of(actor: Actor) -> list[OrgUnit]:
    """The districts the actor is a bureau officer of (the units of kind district their grants cover)."""
    paths = [g.path for g in actor.grants if g.role == ROLE]
    if not paths:
        return []
    units = db.session.execute(select(OrgUnit).where(OrgUnit.kind == "district").order_by(OrgUnit.code)).scalars()
    return [u for u in units if any(u.path.startswith(p) for p in paths)]


def district_in_scope(actor: Actor, code: str | None = None) -> OrgUnit:
    """The district named by `code` (None: the officer's own, when they have exactly one), else 404."""
    require_officer(actor)
    mine = districts_of(actor)
    if code is None or code == "":
        if len(mine) == 1:
            return mine[0]
        raise NotFound("请指明区县 (district) / name the district")
    found = next((u for u in mine if u.code == code), None)
    if found is None:
        raise NotFound("没有这个区县 / no such district")
    return found


def mismatch_in_scope(actor: Actor, mismatch_id: int) -> Mismatch:
    require_officer(actor)
    row = db.session.get(Mismatch, mismatch_id) if 0 < mismatch_id <= MAX_ID else None
    if row is None or row.district_id not in {u.id for u in districts_of(actor)}:
        raise NotFound("没有这条比对结果 / no such mismatch")
    return row
