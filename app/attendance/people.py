"""Who answers for a pupil's attendance: the class teacher of the pupil's class (one query for many
classes), else the nearest holder of one of the given roles above the class."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import OrgUnit, RoleAssignment, User


def class_teachers(class_ids) -> dict[int, list[int]]:
    """{class id: [user id, ...]} of the active class teachers of these classes."""
    ids = sorted(set(class_ids))
    out: dict[int, list[int]] = {}
    if not ids:
        return out
    rows = db.session.execute(select(RoleAssignment.unit_id, RoleAssignment.user_id)
                              .join(User, User.id == RoleAssignment.user_id)
                              .where(RoleAssignment.role == "class_teacher", RoleAssignment.unit_id.in_(ids),
                                     User.active.is_(True)).order_by(RoleAssignment.user_id))
    for unit_id, user_id in rows:
        out.setdefault(unit_id, []).append(user_id)
    return out


def nearest(class_path: str, roles) -> User | None:
    """The active user holding one of `roles` on the unit nearest above the class (the class itself
    first): the class teacher before the grade leader before the school admin."""
    return db.session.execute(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.role.in_(list(roles)), User.active.is_(True),
               func.substr(class_path, 1, func.length(OrgUnit.path)) == OrgUnit.path)
        .order_by(func.length(OrgUnit.path).desc(), User.id).limit(1)).scalar_one_or_none()
