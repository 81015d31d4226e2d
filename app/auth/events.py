"""The authentication log (auth_events, append-only): who, when, from where, what, and how it ended."""
from flask import has_request_context, request
from sqlalchemy import func, select

from app import clock
from app.errors import BadRequest
from app.extensions import db
from app.models import AuthEvent, User
from app.web import paging
from app.web.keyset import Keys

ACTIONS = ("login", "login_failed", "logout", "token_issued", "token_revoked", "password_changed",
           "idle_expired", "deactivated")


def where() -> tuple[str, str]:
    """(address, user agent) of the current request; the CLI is 'cli'."""
    if not has_request_context():
        return "cli", ""
    return (request.remote_addr or "-")[:64], (request.user_agent.string or "")[:300]


def record(action: str, outcome: str = "ok", *, user=None, username: str | None = None, commit: bool = True,
           **detail) -> None:
    address, agent = where()
    db.session.add(AuthEvent(at=clock.now(), user_id=user.id if user is not None else None,
                             username=(username if username is not None else (user.username if user else ""))[:64],
                             action=action, outcome=outcome, address=address, user_agent=agent,
                             detail=detail or None))
    if commit:
        db.session.commit()


def failures_since(since, *, username: str | None, address: str) -> int:
    """Failed logins from this address (for this username, when given) since a time: the lockout's
    count when Redis cannot be asked."""
    q = select(func.count()).select_from(AuthEvent).where(
        AuthEvent.action == "login_failed", AuthEvent.outcome == "refused", AuthEvent.address == address, AuthEvent.at >= since)
    if username is not None:
        q = q.where(func.lower(AuthEvent.username) == username.lower()[:64])
    return db.session.execute(q).scalar_one()


def user_filter(name: str | None) -> int | None:
    """The id of the user named (username) for a filter; None for no filter; 400 for an unknown one."""
    if not name:
        return None
    user_id = db.session.execute(select(User.id).where(User.username == name.strip()[:64])).scalar_one_or_none()
    if user_id is None:
        raise BadRequest("user: 没有这个用户 / no such user", field="user")
    return user_id


KEYS = Keys(AuthEvent.id, descending=True)  # newest first; pages forward by cursor (app/web/keyset.py)


def page(user_id: int | None, page_no: int, per_page: int = 50, after: str | None = None) -> dict:
    q, count = select(AuthEvent), select(func.count()).select_from(AuthEvent)
    if user_id is not None:
        q, count = q.where(AuthEvent.user_id == user_id), count.where(AuthEvent.user_id == user_id)
    rows, meta = paging.fetch(KEYS.sorted(q), count, page_no, per_page, after=after)
    return {"items": rows, **meta}
