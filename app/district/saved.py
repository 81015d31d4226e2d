"""Saved and shared case-list filters (工作台). A saved filter is the list's query string under a name;
shared with an org unit, everyone whose scope meets that unit (it covers the unit, or lies inside it)
sees it. Opening one is opening the case list with those arguments: it filters inside the viewer's own
scope, so a shared filter never shows a case the viewer could not list anyway."""
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import func, or_, select

from app.auth.roles import TREE_ROLES
from app.district import filters as case_filters
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import OrgUnit, SavedFilter
from app.models.org import at_or_above

NAME_MAX = 60
QUERY_MAX = 1000
PER_USER = 50
SAVED = tuple(k for k in case_filters.FILTERS if k != "q")  # never the search text (a name, a 学籍号)


def clean_query(actor, raw: str, now: datetime) -> str:
    """The query string as stored: the known filters only, each checked as the list checks it (a bad
    value is a field error naming `query`)."""
    if len(raw or "") > QUERY_MAX:
        raise Invalid({"query": f"筛选条件过长 / the filter is longer than {QUERY_MAX} characters"})
    args = {k: v.strip() for k, v in parse_qsl((raw or "").lstrip("?")) if k in SAVED and v.strip()}
    try:
        case_filters.parse(actor, args, now)
    except Invalid as e:
        raise Invalid({"query": "; ".join(f"{k}: {v}" for k, v in e.fields.items())}) from None
    except Exception as e:  # BadRequest of a flag
        raise Invalid({"query": getattr(e, "message", str(e))}) from None
    return urlencode(sorted(args.items()))


def share_units(actor) -> list[OrgUnit]:
    """The units a user may share with: those of their own tree grants."""
    ids = {g.unit_id for g in actor.grants if g.role in TREE_ROLES}
    if not ids:
        return []
    return db.session.execute(select(OrgUnit).where(OrgUnit.id.in_(ids)).order_by(OrgUnit.path)).scalars().all()


def save(actor, name: str, raw_query: str, share_unit_id, now: datetime) -> SavedFilter:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "请填写名称 / a name is required"
    elif len(name) > NAME_MAX:
        errors["name"] = f"名称不超过 {NAME_MAX} 个字 / at most {NAME_MAX} characters"
    unit_id = None
    if share_unit_id not in (None, ""):
        allowed = {u.id: u for u in share_units(actor)}
        try:
            unit_id = int(share_unit_id)
        except (TypeError, ValueError):
            unit_id = -1
        if unit_id not in allowed:
            errors["unit"] = "只能与您自己的单位共享 / you may share only with a unit of your own"
    try:
        query = clean_query(actor, raw_query, now)
    except Invalid as e:
        errors.update(e.fields)
    if not errors and db.session.scalar(select(func.count(SavedFilter.id))
                                        .where(SavedFilter.user_id == actor.id)) >= PER_USER:
        errors["name"] = f"最多保存 {PER_USER} 个筛选 / at most {PER_USER} saved filters"
    if errors:
        raise Invalid(errors)
    row = SavedFilter(user_id=actor.id, name=name, query=query, unit_id=unit_id, created_at=now)
    db.session.add(row)
    db.session.commit()
    return row


def visible(actor) -> list[SavedFilter]:
    """The user's own filters, then those shared with a unit their scope meets."""
    paths = [g.path for g in actor.grants if g.role in TREE_ROLES]
    shared = [OrgUnit.path.startswith(p, autoescape=True) for p in paths] + \
             [at_or_above(p) for p in paths]
    cond = SavedFilter.user_id == actor.id
    if shared:
        cond = or_(cond, SavedFilter.unit_id.in_(select(OrgUnit.id).where(or_(*shared))))
    rows = db.session.execute(select(SavedFilter).where(cond).order_by(SavedFilter.name, SavedFilter.id)).scalars().all()
    return sorted(rows, key=lambda f: f.user_id != actor.id)  # stable: own first


def load_visible(actor, filter_id: int) -> SavedFilter:
    found = next((f for f in visible(actor) if f.id == filter_id), None)
    if found is None:
        raise NotFound("没有这个筛选 / no such saved filter")
    return found


def delete(actor, filter_id: int) -> None:
    """Delete one's own filter; another's (shared or not) does not exist for deleting (404)."""
    row = db.session.get(SavedFilter, filter_id) if 0 < filter_id <= 2**31 - 1 else None
    if row is None or row.user_id != actor.id:
        raise NotFound("没有这个筛选 / no such saved filter")
    db.session.delete(row)
    db.session.commit()


def arguments(row: SavedFilter) -> dict:
    return dict(parse_qsl(row.query))
