"""Who is calling: an Actor is a user as the engine sees them (id, name, role grants, loaded once per
request), and current_actor() is the one way a handler gets it — the API's token check (act_as) and the
pages' login session both end in it. What an actor may see follows from its grants (app/auth/scope.py loads
rows under that rule).
"""
from dataclasses import dataclass

from flask import g
from flask_login import current_user
from sqlalchemy import false, or_, select

from app.auth.roles import TREE_ROLES
from app.extensions import db
from app.models import Case, CasePartner, User


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    path: str


class Actor:
    """A user as the engine sees them: id, name and role grants, loaded once per request."""

    def __init__(self, user: User):
        self.id = user.id
        self.username = user.username
        self.user = user
        self.grants = tuple(Grant(a.role, a.unit_id, a.unit.path) for a in user.assignments)
        self.role_names = frozenset(g.role for g in self.grants)

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    def roles_for_path(self, path: str) -> set[str]:
        return {g.role for g in self.grants if g.role in TREE_ROLES and path.startswith(g.path)}

    def roles_for(self, case: Case) -> set[str]:
        """The roles this actor holds over this case (empty: the case does not exist for them)."""
        roles = self.roles_for_path(case.unit_path)
        if case.also_unit_path:  # a second unit the definition names (a transfer's receiving school)
            roles |= self.roles_for_path(case.also_unit_path)
        if "partner" in self.role_names and is_invited(case.id, self.id):
            roles.add("partner")
        return roles

    def case_filter_parts(self) -> list:
        """The branches of the scope, each served by one index: a case's unit path under each of the tree
        roles' units, then its second unit's path (a transfer's receiving school), then a partner's
        invitations. Their OR is case_filter()."""
        paths = [g.path for g in self.grants if g.role in TREE_ROLES]
        clauses = [column.startswith(p, autoescape=True) for column in (Case.unit_path, Case.also_unit_path)
                   for p in paths]
        if "partner" in self.role_names:
            clauses.append(Case.id.in_(invited_cases(self.id)))
        return clauses

    def case_filter(self):
        """A WHERE clause selecting exactly the cases in scope."""
        clauses = self.case_filter_parts()
        return or_(*clauses) if clauses else false()

    def unit_filter(self, column_path):
        """A WHERE clause over org paths (pupils, units) in the tree roles' scope."""
        clauses = [column_path.startswith(g.path, autoescape=True) for g in self.grants if g.role in TREE_ROLES]
        return or_(*clauses) if clauses else false()


def invited_cases(user_id: int):
    """The ids of the cases a partner holds a live invitation to: one that has not ended with the
    joint-return stage or been revoked (an ended one is kept as history and opens nothing)."""
    return select(CasePartner.case_id).where(CasePartner.user_id == user_id, CasePartner.ended_at.is_(None))


def is_invited(case_id: int, user_id: int) -> bool:
    return db.session.execute(invited_cases(user_id).where(CasePartner.case_id == case_id)).first() is not None


def act_as(user: User) -> Actor:
    """The caller of this request is `user` (the API, once its bearer token checks out)."""
    g.actor = Actor(user)
    return g.actor


def current_actor() -> Actor:
    """The caller of this request: the token's user on the API, else the logged-in user of the session."""
    if "actor" not in g:
        g.actor = Actor(current_user._get_current_object())
    return g.actor
