"""Which pages a user's roles open (the menu shows only those; the handlers check the same sets)."""
from flask_login import current_user

from app.auth.actor import current_actor
from app.auth.roles import (ADMIN_EVENT_READERS, ADMIN_ROLES, ATTENDANCE_ROLES, AUDIT_ROLES, REGISTER_ROLES, REPORT_ROLES,
                            RISK_READERS)
from app.engine import machine
from app.errors import NotPermitted


def page_roles(what: str) -> frozenset:
    if what == "open":  # the new-case page: whoever may open a case of some workflow
        return frozenset(r for d in machine.registered().values() for r in d.open_roles)
    return frozenset({"dashboard": REPORT_ROLES, "reports": REPORT_ROLES, "admin": ADMIN_ROLES,
                      "access_log": AUDIT_ROLES, "admin_events": ADMIN_EVENT_READERS,
                      "registers": REGISTER_ROLES, "attendance": ATTENDANCE_ROLES, "risk": RISK_READERS}[what])


def can(what: str) -> bool:
    if not current_user.is_authenticated:
        return False
    return bool(current_actor().role_names & page_roles(what))


def require(what: str) -> None:
    if not can(what):
        raise NotPermitted("您的角色不能打开此页面 / your role may not open this page")
