"""Argon2id password hashes."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Checked against when the user does not exist, so a wrong username costs as long as a wrong password.
_DUMMY = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(username: str, password: str):
    """The active user with this username and password, or None (the API's token and the login page)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User
    user = db.session.execute(select(User).where(User.username == username[:64])).scalar_one_or_none()
    if check_password(user.password_hash if user is not None and user.active else None, password[:1024]):
        return user
    return None


def check_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False
