"""The targets the figures are held against (dropout rate at most, retention at least), set by the bureau
per unit and school year (report_targets): a school's own row, else the nearest unit above it that has
one (its district), else the defaults (app.reports.TARGETS). Every change is an admin event."""
from sqlalchemy import select

from app.audit import history
from app.auth.scope import unit_by_code
from app.district.filters import schools_in_scope
from app.errors import Invalid, NotFound, NotPermitted
from app.extensions import db
from app.models import OrgUnit, ReportTarget
from app.reports import TARGETS

SET = ("dropout_rate_max", "retention_rate_min")  # what a unit's row sets; the rest are the defaults
SETTERS = ("bureau_officer", "bureau_head")       # who sets them, over their own units


def unit_in_scope(actor, code: str, roles: tuple, kinds: tuple, field: str = "unit") -> OrgUnit:
    """The unit `code` names if `actor` sees it (404 otherwise), of one of `kinds` (422), and the actor
    holds one of `roles` over it (403)."""
    unit = unit_by_code(code)
    if unit is None or not actor.roles_for_path(unit.path):
        raise NotFound(f"没有这个单位 / no such unit: {code}")
    if unit.kind not in kinds:
        raise Invalid({field: f"须为以下单位之一 / must be one of: {', '.join(kinds)}"})
    if not actor.roles_for_path(unit.path) & set(roles):
        raise NotPermitted("您的角色不能设置 / your role may not set this", roles_allowed=list(roles))
    return unit


def defaults() -> dict:
    return dict(TARGETS)


def _rows(school_year: int) -> list[tuple[str, ReportTarget]]:
    """Every row of the year with its unit's path, longest path first (the nearest unit wins)."""
    rows = db.session.execute(select(OrgUnit.path, ReportTarget).join(OrgUnit, OrgUnit.id == ReportTarget.unit_id)
                              .where(ReportTarget.school_year == school_year)).all()
    return sorted(((p, r) for p, r in rows), key=lambda pr: -len(pr[0]))


def _resolve(rows, path: str) -> dict:
    for unit_path, row in rows:
        if path.startswith(unit_path):
            return {**defaults(), "dropout_rate_max": row.dropout_rate_max,
                    "retention_rate_min": row.retention_rate_min}
    return defaults()


def for_paths(paths: dict, school_year: int) -> dict:
    """{key: targets} for each `paths` key (a school id, say) given its unit path: one query in all."""
    rows = _rows(school_year)
    return {key: _resolve(rows, path) for key, path in paths.items()}


def own_path(view) -> str:
    """The path of a reader's widest unit: the targets their totals are held to are that unit's."""
    return min((g.path for g in view.grants), key=len)


def for_path(path: str, school_year: int) -> dict:
    """The targets over the unit at `path` (a reader's own unit: the district's, or a school's)."""
    return _resolve(_rows(school_year), path)


def listing(view, school_year: int) -> list[dict]:
    """The rows of `school_year` over the units `view` (a report reader) sees."""
    rows = db.session.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.kind, ReportTarget)
                              .join(OrgUnit, OrgUnit.id == ReportTarget.unit_id)
                              .where(ReportTarget.school_year == school_year, view.unit_filter(OrgUnit.path))
                              .order_by(OrgUnit.path)).all()
    return [{"unit": code, "name": name, "kind": kind, "school_year": r.school_year,
             "dropout_rate_max": r.dropout_rate_max, "retention_rate_min": r.retention_rate_min,
             "updated_at": r.updated_at.isoformat() + "Z", "updated_by": r.updated_by}
            for code, name, kind, r in rows]


def set_targets(unit: OrgUnit, who: history.By, school_year: int, dropout_rate_max: float,
                retention_rate_min: float) -> ReportTarget:
    """Set (or change) `unit`'s targets for a school year; an admin event records the change."""
    after = {"dropout_rate_max": dropout_rate_max, "retention_rate_min": retention_rate_min}
    return history.set_recorded(who, ReportTarget, {"unit_id": unit.id, "school_year": school_year}, after,
                                "targets_set", f"{unit.code}:{school_year}")


def target_report(view, school_year: int) -> dict:
    """The defaults, the rows set for `school_year` in `view`'s scope, and what each school is held to."""
    schools = schools_in_scope(view)
    each = for_paths({s.id: s.path for s in schools}, school_year)
    return {"school_year": school_year, "defaults": defaults(), "set": listing(view, school_year),
            "schools": [{"school": s.code, "name": s.name, **{k: each[s.id][k] for k in SET}} for s in schools]}
