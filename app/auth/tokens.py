"""API bearer tokens: random, shown once, stored as SHA-256."""
import hashlib
import secrets

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import ApiToken, User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User) -> str:
    token = "bx_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token), created_at=clock.now()))
    db.session.commit()
    return token


def user_for(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    return db.session.execute(
        select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked.is_(False), User.active.is_(True))
    ).scalar_one_or_none()
