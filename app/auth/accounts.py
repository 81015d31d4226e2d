"""Sessions that end, passwords that change, users that are switched off.

A user's `session_epoch` is part of their Flask-Login id (User.get_id), so it is carried by the
session cookie and by the remember-me cookie; the user loader refuses an id of an older epoch.
Bumping it in the database therefore ends every session of that user, in every process."""
from sqlalchemy import update

from app import clock
from app.auth import events, passwords
from app.errors import Invalid
from app.extensions import db
from app.models import User


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie of this user stops working (not committed)."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_epoch=User.session_epoch + 1))
    db.session.refresh(user, ["session_epoch"])


def user_for_session_id(user_id: str) -> User | None:
    """Flask-Login's loader: "<id>:<epoch>" of an active user whose epoch is still this one."""
    uid, _, epoch = user_id.partition(":")
    if not uid.isdigit() or not epoch.isdigit():
        return None  # includes ids written before epochs existed: they log in again
    user = db.session.get(User, int(uid))
    if user is None or not user.active or (user.session_epoch or 0) != int(epoch):
        return None
    return user


def set_password(user: User, new: str, *, field: str = "password", by: User | None = None) -> None:
    """Set a password that meets the policy and end the user's sessions (committed)."""
    passwords.check_policy(new, user.username, field)
    user.password_hash = passwords.hash_password(new)
    end_sessions(user)
    events.record("password_changed", user=user, commit=False, by=(by or user).username)
    db.session.commit()


def change_own_password(user: User, current: str, new: str, repeat: str) -> None:
    """The logged-in user's change: current password right, the new one typed twice and allowed."""
    if not passwords.check_password(user.password_hash, current[:1024]):
        events.record("password_changed", "refused", user=user, reason="current password wrong")
        raise Invalid({"current_password": "当前密码不正确 / the current password is wrong"})
    if new != repeat:
        raise Invalid({"new_password_again": "两次输入的新密码不一致 / the two new passwords differ"})
    set_password(user, new, field="new_password")


def touch(user: User, every_seconds: int = 60) -> None:
    """Remember when the user was last seen (at most one write a minute)."""
    now = clock.now()
    if user.last_seen_at is None or (now - user.last_seen_at).total_seconds() >= every_seconds:
        db.session.execute(update(User).where(User.id == user.id).values(last_seen_at=now))
        db.session.commit()
        user.last_seen_at = now
