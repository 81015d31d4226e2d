"""Org units and users: the operations behind `baoxue units …` / `baoxue users …` and the demo."""
from sqlalchemy import select

from app.auth.passwords import check_policy, hash_password
from app.engine.errors import Conflict, Invalid
from app.extensions import db
from app.models import OrgUnit, RoleAssignment, User
from app.models.org import UNIT_KINDS
from app.models.users import ROLES

PARENT_KIND = {"school": "district", "grade": "school", "class": "grade", "department": "district"}


def add_unit(code: str, name: str, kind: str, parent_code: str | None = None, enrolment: int = 0,
             commit: bool = True) -> OrgUnit:
    if kind not in UNIT_KINDS:
        raise Invalid({"kind": f"须为 {'/'.join(UNIT_KINDS)} 之一 / must be one of {', '.join(UNIT_KINDS)}"})
    if db.session.execute(select(OrgUnit.id).where(OrgUnit.code == code)).first():
        raise Conflict(f"单位代码已存在 / unit {code} exists")
    parent = None
    if kind != "district":
        parent = db.session.execute(select(OrgUnit).where(OrgUnit.code == (parent_code or ""))).scalar_one_or_none()
        if parent is None or parent.kind != PARENT_KIND[kind]:
            raise Invalid({"parent": f"{kind} 的上级须为 {PARENT_KIND[kind]} / a {kind} needs a "
                                     f"{PARENT_KIND[kind]} parent"})
    unit = OrgUnit(code=code, name=name, kind=kind, parent_id=parent.id if parent else None,
                   enrolment=max(int(enrolment or 0), 0), path="")
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    if commit:
        db.session.commit()
    return unit


def add_user(username: str, role: str, unit_code: str, password: str | None = None, display_name: str = "",
             commit: bool = True, password_hash: str | None = None) -> User:
    """Create the user if new, and give them `role` at `unit_code` (idempotent). A password given
    in clear must meet the policy (a precomputed hash is the demo's, checked once in tests)."""
    if password:
        check_policy(password, username)
    password_hash = password_hash or (hash_password(password) if password else None)
    if role not in ROLES:
        raise Invalid({"role": f"未知角色 / unknown role {role}; one of {', '.join(ROLES)}"})
    unit = db.session.execute(select(OrgUnit).where(OrgUnit.code == unit_code)).scalar_one_or_none()
    if unit is None:
        raise Invalid({"unit": f"未知单位 / unknown unit {unit_code}"})
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = User(username=username, display_name=display_name or username,
                    password_hash=password_hash or "")
        db.session.add(user)
        db.session.flush()
    elif password_hash:
        user.password_hash = password_hash
        if password:  # a reset password ends the sessions opened with the old one
            from app.auth.accounts import end_sessions
            from app.auth.events import record
            end_sessions(user)
            record("password_changed", user=user, commit=False, by="admin")
    if not any(a.role == role and a.unit_id == unit.id for a in user.assignments):
        user.assignments.append(RoleAssignment(role=role, unit_id=unit.id, unit=unit))
    if commit:
        db.session.commit()
    return user
