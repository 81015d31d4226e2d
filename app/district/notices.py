"""A user's notices (reminders, overdue work, escalations): the listing with its filters, the unread
count of the header, and marking read — one, a selection, or all that match a filter.

Everything here takes the user's id and reads or writes only that user's rows: somebody else's
notice does not exist for you (404), and a selection naming one marks nothing at all. The page and
the API read the same filters with the same refusals (400 naming the field)."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.auth.scope import MAX_ID
from app.errors import BadRequest, NotFound
from app.extensions import db
from app.models import Deadline, Notification
from app.web.keyset import Keys

KINDS = ("reminder", "overdue", "escalated", "at_risk")  # what app/deadlines/actions.py and the risk list write
MAX_SELECTED = 500  # a page shows at most 100; an API client marks in batches


@dataclass(frozen=True)
class Filter:
    unread: bool = False
    kind: str | None = None
    case_id: int | None = None

    def args(self) -> dict:
        """The filter as the page's query arguments (for links and the forms that keep it)."""
        out = {"unread": "1"} if self.unread else {}
        if self.kind:
            out["kind"] = self.kind
        if self.case_id:
            out["case"] = str(self.case_id)
        return out


def flag(value, name: str) -> bool:
    if value in (None, "", "false", "0", False):
        return False
    if value in ("true", "1", True):
        return True
    raise BadRequest(f"{name} 须为 true/false / {name} must be true or false", field=name)


def _case_id(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not str(value).isdigit() or not 0 < int(value) <= MAX_ID:
        raise BadRequest(f"{name} 须为个案编号 / {name} must be a case number", field=name)
    return int(value)


def read_filter(args, *, case_field: str = "case") -> Filter:
    """The filters of a request (page: ?unread=1&kind=&case=; API: ?unread=true&kind=&case_id=)."""
    kind = args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise BadRequest(f"kind 须为 {', '.join(KINDS)} 之一 / kind must be one of {', '.join(KINDS)}", field="kind")
    return Filter(flag(args.get("unread"), "unread"), kind, _case_id(args.get(case_field), case_field))


def _where(user_id: int, flt: Filter) -> list:
    where = [Notification.user_id == user_id]
    if flt.unread:
        where.append(Notification.read_at.is_(None))
    if flt.kind:
        where.append(Notification.kind == flt.kind)
    if flt.case_id:
        where.append(Notification.case_id == flt.case_id)
    return where


KEYS = Keys(Notification.id, descending=True)  # newest first; pages forward by cursor (app/web/keyset.py)


def listing(user_id: int, flt: Filter):
    """(rows query, newest first, with what the notice's wording needs; count query)."""
    where = _where(user_id, flt)
    return (KEYS.sorted(select(Notification).where(*where)
                        .options(selectinload(Notification.deadline).selectinload(Deadline.case))),
            select(func.count(Notification.id)).where(*where))


def unread_count(user_id: int, cap: int | None = None) -> int:
    """The unread notices: one COUNT on the (user_id, read_at) index; with `cap`, counting stops at cap + 1
    (a bureau officer of a province can have tens of thousands: the header needs "999+", not the number)."""
    unread = select(Notification.id).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if cap is not None:
        unread = unread.limit(cap + 1)
    return db.session.scalar(select(func.count()).select_from(unread.subquery()))


def selected_ids(values, name: str = "ids") -> list[int]:
    """Notice ids as posted (form values or a JSON list): whole numbers, at most MAX_SELECTED."""
    if not isinstance(values, (list, tuple)) or not values:
        raise BadRequest(f"{name} 须为非空的通知编号列表 / {name} must be a non-empty list of notice ids", field=name)
    if len(values) > MAX_SELECTED:
        raise BadRequest(f"{name} 最多 {MAX_SELECTED} 个 / at most {MAX_SELECTED} {name}", field=name)
    out = []
    for v in values:
        if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, str) and v.isdigit())):
            raise BadRequest(f"{name} 须为通知编号 / {name} must be notice ids", field=name)
        out.append(int(v))
    return sorted(set(out))


def mark_read(user_id: int, ids: list[int], now: datetime) -> int:
    """Mark these notices of the user read (committed); how many were unread. One that is not the
    user's, or does not exist, is 404 and nothing is marked. Read ones keep the time first read."""
    owned = set(db.session.scalars(select(Notification.id).where(
        Notification.id.in_([i for i in ids if 0 < i <= MAX_ID]), Notification.user_id == user_id)))
    if owned != set(ids):
        raise NotFound("没有这条通知 / no such notification")
    result = db.session.execute(update(Notification).where(Notification.id.in_(ids), Notification.user_id == user_id,
                                                           Notification.read_at.is_(None)).values(read_at=now))
    db.session.commit()
    return result.rowcount


def mark_matching_read(user_id: int, flt: Filter, now: datetime) -> int:
    """Mark every unread notice of the user that matches the filter read (committed); how many."""
    result = db.session.execute(update(Notification).where(*_where(user_id, flt), Notification.read_at.is_(None))
                                .values(read_at=now))
    db.session.commit()
    return result.rowcount
