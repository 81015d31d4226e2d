"""API bearer tokens: random, shown once, stored as SHA-256; each expires (BAOXUE_TOKEN_DAYS, default
30) and can be revoked by its owner or an admin. A revoked token stays revoked: reactivating its user
does not bring it back."""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import select, update

from app import clock
from app.auth import events
from app.auth.scope import MAX_ID
from app.errors import NotFound
from app.extensions import db
from app.models import ApiToken, User

# last_used_at is written when it is older than this: not one UPDATE per API request.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime() -> timedelta:
    days = current_app.config.get("BAOXUE_TOKEN_DAYS", 30) if has_app_context() else 30
    return timedelta(days=float(days))


def issue(user: User, *, log: bool = True, **detail) -> str:
    return issued(user, log=log, **detail)[0]


def issued(user: User, *, log: bool = True, **detail) -> tuple[str, ApiToken]:
    """A new token for this user (the only time it is seen) and its row."""
    token = "bx_" + secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(user_id=user.id, token_hash=_digest(token), created_at=now, expires_at=now + lifetime())
    db.session.add(row)
    db.session.flush()
    if log:
        events.record("token_issued", user=user, commit=False, token_id=row.id, **detail)
    db.session.commit()
    return token, row


def user_for(token: str) -> User | None:
    """The active owner of a live (unrevoked, unexpired) token, or None."""
    if not token or len(token) > 200:
        return None
    now = clock.now()
    row = db.session.execute(
        select(ApiToken.id, ApiToken.last_used_at, User).join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked.is_(False), ApiToken.expires_at > now,
               User.active.is_(True))
    ).first()
    if row is None:
        return None
    if row.last_used_at is None or row.last_used_at < now - TOUCH_EVERY:
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        db.session.commit()
    return row.User


def listing(user: User) -> list[ApiToken]:
    return db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.id.desc())).scalars().all()


def revoke(user: User, token_id: int | None = None, *, by: User | None = None, by_name: str | None = None,
           commit: bool = True) -> list[int]:
    """Revoke one of this user's tokens (404 if it is not theirs), or all of them with None.
    Returns the ids revoked now (a token already revoked is not revoked again)."""
    q = select(ApiToken).where(ApiToken.user_id == user.id)
    if token_id is not None and not 0 < token_id <= MAX_ID:  # beyond the database's integer: cannot exist
        raise NotFound("没有这个令牌 / no such token")
    if token_id is not None:
        row = db.session.execute(q.where(ApiToken.id == token_id)).scalar_one_or_none()
        if row is None:
            raise NotFound("没有这个令牌 / no such token")
        rows = [row]
    else:
        rows = db.session.execute(q).scalars().all()
    now, done = clock.now(), []
    for row in rows:
        if not row.revoked:
            row.revoked, row.revoked_at = True, now
            done.append(row.id)
    if done:
        events.record("token_revoked", user=user, commit=False, token_ids=done,
                      by=by_name or (by or user).username)
    if commit:
        db.session.commit()
    return done
