"""Org units and users: the operations behind `baoxue units …` / `baoxue users …`, the admin pages and
the demo. Each change writes its admin event (who, what, before/after) in the same transaction."""
from sqlalchemy import select

from app.audit import history
from app.auth import events, tokens
from app.auth.accounts import end_sessions, force_change
from app.auth.passwords import check_policy, hash_password
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import OrgUnit, RoleAssignment, User
from app.auth.roles import ROLES, UNIT_KINDS

PARENT_KIND = {"school": "district", "grade": "school", "class": "grade", "department": "district"}


def _unit_state(unit: OrgUnit) -> dict:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind,
            "parent": unit.parent.code if unit.parent else None, "enrolment": unit.enrolment}


def _user_state(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "active": user.active,
            "roles": sorted(f"{a.role}@{a.unit.code}" for a in user.assignments)}


def _done(commit: bool) -> None:
    if commit:
        db.session.commit()


def add_unit(code: str, name: str, kind: str, parent_code: str | None = None, enrolment: int = 0,
             commit: bool = True, by: history.By = history.SYSTEM) -> OrgUnit:
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
    unit = OrgUnit(code=code, name=name, kind=kind, parent_id=parent.id if parent else None, parent=parent,
                   enrolment=max(int(enrolment or 0), 0), path="")
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    history.admin_event(by, "unit_added", f"unit {code}", None, _unit_state(unit))
    _done(commit)
    return unit


def set_enrolment(unit: OrgUnit, enrolment: int, by: history.By, commit: bool = True) -> OrgUnit:
    if not 0 <= enrolment <= 1_000_000:
        raise Invalid({"enrolment": "须在 0..1000000 之间 / must be within 0..1000000"})
    if unit.enrolment != enrolment:
        before = {"enrolment": unit.enrolment}
        unit.enrolment = enrolment
        history.admin_event(by, "enrolment_changed", f"unit {unit.code}", before, {"enrolment": enrolment})
    _done(commit)
    return unit


def find_unit(code: str) -> OrgUnit:
    found = db.session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"没有这个单位 / no such unit {code}")
    return found


def find_user(username: str) -> User:
    found = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"没有这个用户 / no such user {username}")
    return found


def add_user(username: str, role: str, unit_code: str, password: str | None = None, display_name: str = "",
             commit: bool = True, password_hash: str | None = None, by: history.By = history.SYSTEM) -> User:
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
    target = f"user {username}"
    if user is None:
        user = User(username=username, display_name=display_name or username,
                    password_hash=password_hash or "")
        db.session.add(user)
        db.session.flush()
        history.admin_event(by, "user_added", target, None, {**_user_state(user), "roles": []})
    elif password_hash:
        user.password_hash = password_hash
        history.admin_event(by, "password_set", target)  # never the hash
        if password:  # a reset password ends the sessions opened with the old one
            end_sessions(user)
            events.record("password_changed", user=user, commit=False, by="admin")
    if not any(a.role == role and a.unit_id == unit.id for a in user.assignments):
        before = _user_state(user)
        user.assignments.append(RoleAssignment(role=role, unit_id=unit.id, unit=unit))
        history.admin_event(by, "role_granted", target, before, _user_state(user))
    _done(commit)
    return user


def revoke_role(assignment: RoleAssignment, by: history.By, commit: bool = True) -> None:
    user = assignment.user
    before = _user_state(user)
    user.assignments.remove(assignment)  # delete-orphan: the row goes
    db.session.flush()
    history.admin_event(by, "role_revoked", f"user {user.username}", before, _user_state(user))
    _done(commit)


def set_active(user: User, active: bool, by: history.By, commit: bool = True) -> User:
    """Deactivation revokes every API token for good and ends every session; reactivation restores
    neither (the user logs in again and makes new tokens). Both are admin and authentication events."""
    if user.active != active:
        before = _user_state(user)
        user.active = active
        if not active:
            tokens.revoke(user, commit=False, by_name=by.name)
            end_sessions(user)
        events.record("reactivated" if active else "deactivated", user=user, commit=False, by=by.name)
        history.admin_event(by, "user_reactivated" if active else "user_deactivated", f"user {user.username}",
                            before, _user_state(user))
    _done(commit)
    return user


def reset_password(user: User, by: history.By) -> str:
    """An admin's reset (the users page, `baoxue users reset-password`): a temporary password, returned
    to be passed on once, that the user must change at the next login; their sessions end. Written to
    the admin-event log — that it happened, never the password (committed)."""
    temporary = force_change(user, by.name)
    history.admin_event(by, "password_reset", f"user {user.username}", None, {"must_change_password": True})
    db.session.commit()
    return temporary
