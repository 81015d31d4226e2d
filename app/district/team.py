"""Who may be picked for a case: the users a role may go to in the case's scope (assignment), the partner
departments' users (invitation), the live invitees (revocation), and bulk steps over many cases.

The pickers are server-side lists built per case, shown with display names; the engine still checks the
picked username itself (an old page, a hand-made POST and the API are refused with a field error)."""
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import lazyload

from app.auth.roles import ASSIGNABLE_ROLES, TREE_ROLES
from app.errors import BaoxueError
from app.extensions import db
from app.models import CasePartner, OrgUnit, RoleAssignment, User
from app.models.org import at_or_above
from app.web.capped import up_to
from forms.team import AssignForm



def assignable_users(unit_path: str) -> list[tuple[User, list[str]]]:
    """(user, the assignable roles they hold over `unit_path`) for active users holding one: their grant's
    unit is the case's class or one above it (a prefix of its path)."""
    rows = db.session.execute(
        # the names are what is shown: each user's own grants (selectin by default) are not loaded
        select(User, RoleAssignment.role).options(lazyload(User.assignments))
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(User.active.is_(True), RoleAssignment.role.in_(ASSIGNABLE_ROLES),
               at_or_above(unit_path))
        .order_by(User.display_name, User.username)).all()
    return _grouped(rows)


def users_in_reach(actor, cap: int | None = None) -> list[tuple[User, list[str]]] | None:
    """(user, assignable roles) of the users who may be assigned some case in the actor's scope: their
    grant lies inside one of the actor's units or above it. The bulk form's list; the engine checks each
    case (a teacher of another class is refused for that case, with the reason). With `cap`, None when
    there are more grants than that (a province has tens of thousands of staff)."""
    paths = [g.path for g in actor.grants if g.role in TREE_ROLES]
    if not paths:
        return []
    query = (
        # the names are what is shown: each user's own grants (selectin by default) are not loaded
        select(User, RoleAssignment.role).options(lazyload(User.assignments))
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(User.active.is_(True), RoleAssignment.role.in_(ASSIGNABLE_ROLES),
               or_(*[OrgUnit.path.startswith(p, autoescape=True) for p in paths],
                   *[at_or_above(p) for p in paths])))
    if cap is None:
        return _grouped(db.session.execute(query.order_by(User.display_name, User.username)).all())
    # unordered, the cap's read stops at the first rows found (a sort would read every grant first); a
    # list short enough to show is then put in order here
    rows = up_to(query, cap)
    return None if rows is None else _grouped(sorted(rows, key=lambda r: (r[0].display_name or "", r[0].username)))


def _grouped(rows) -> list[tuple[User, list[str]]]:
    out: dict[int, tuple[User, list[str]]] = {}
    for user, role in rows:
        roles = out.setdefault(user.id, (user, []))[1]
        if role not in roles:
            roles.append(role)
    return list(out.values())


def partner_users() -> list[User]:
    """Active users of a partner department (any may be invited to any case)."""
    return db.session.execute(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.active.is_(True), RoleAssignment.role == "partner")
        .order_by(User.display_name, User.username)).unique().scalars().all()


def invited_users(case_id: int) -> list[User]:
    return db.session.execute(
        select(User).join(CasePartner, CasePartner.user_id == User.id)
        .where(CasePartner.case_id == case_id, CasePartner.ended_at.is_(None))
        .order_by(User.display_name, User.username)).unique().scalars().all()


def assign_trigger(defn):
    """The definition's assignment trigger (the one whose form is the assignment form), or None."""
    return next((t for t in defn.triggers.values() if t.form is AssignForm), None)


def own_assignable_role(actor, case) -> str | None:
    """The role "assign to me" gives: the actor's assignable role over the case held at the unit nearest
    to it (a grade leader who is also the school's admin takes the case as grade leader)."""
    held = [g for g in actor.grants if g.role in ASSIGNABLE_ROLES and case.unit_path.startswith(g.path)]
    return max(held, key=lambda g: len(g.path)).role if held else None


@dataclass
class Outcome:
    case: object
    done: bool
    reasons: tuple = ()  # bilingual messages ("中文 / English"), each shown in the reader's language


def fire_each(cases, step) -> list[Outcome]:
    """Run `step(case)` (one engine step, committed by the engine) for each case; a refusal (the engine's
    own error: not allowed now, invalid, stale) is that case's outcome and the others go on."""
    out = []
    for case in cases:
        try:
            step(case)
        except BaoxueError as e:
            db.session.rollback()
            reasons = tuple(str(m) for m in (getattr(e, "fields", None) or {}).values())
            out.append(Outcome(case, False, reasons or (e.message,)))
        else:
            out.append(Outcome(case, True))
    return out
