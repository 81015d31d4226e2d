"""Who a batch of deadline actions notifies, loaded in two queries for the whole batch instead of two
per action: the holders of the roles over every unit above the batch's cases, and their assignees.

recipients() answers exactly as app/deadlines/actions.py recipients() does for one case: a role
holder over the case's unit is one whose unit path is a prefix of the case's (unit paths are
"/<id>/<id>/…/", app/district/org.py), so the prefixes to load are the case path cut at each "/".
"""
from collections import defaultdict

from sqlalchemy import select

from app.extensions import db
from app.models import CaseAssignee, OrgUnit, RoleAssignment


def prefixes(path: str) -> list[str]:
    """Every unit path a role holder over `path` can have ("" too: the SQL prefix test accepts it)."""
    return [""] + [path[:i + 1] for i, ch in enumerate(path) if ch == "/"]


class People:
    def __init__(self, cases, roles):
        cases = list(cases)
        paths = {p for c in cases for p in (c.unit_path, c.also_unit_path) if p}
        wanted = sorted({q for p in paths for q in prefixes(p)})
        self.holders: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.assigned: dict[int, list[tuple[int, str]]] = defaultdict(list)
        if roles and wanted:
            for user_id, role, path in db.session.execute(
                    select(RoleAssignment.user_id, RoleAssignment.role, OrgUnit.path)
                    .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
                    .where(RoleAssignment.role.in_(sorted(roles)), OrgUnit.path.in_(wanted))):
                self.holders[(path, role)].add(user_id)
        if cases:
            for case_id, user_id, role in db.session.execute(
                    select(CaseAssignee.case_id, CaseAssignee.user_id, CaseAssignee.role)
                    .where(CaseAssignee.case_id.in_(sorted(c.id for c in cases)))):
                self.assigned[case_id].append((user_id, role))

    def recipients(self, case, roles, assignees_first: bool = False, side: str = "subject") -> list[int]:
        """As actions.recipients(), from the rows loaded."""
        path = case.also_unit_path if side == "also" and case.also_unit_path else case.unit_path
        if assignees_first and path == case.unit_path:
            assigned = {u for u, r in self.assigned.get(case.id, ()) if r in roles}
            if assigned:
                return sorted(assigned)
        return sorted({u for p in prefixes(path) for r in roles for u in self.holders.get((p, r), ())})

    def all_users(self) -> list[int]:
        """Everyone loaded (whose email addresses the batch looks up at once)."""
        users = {u for s in self.holders.values() for u in s}
        users.update(u for pairs in self.assigned.values() for u, _ in pairs)
        return sorted(users)
