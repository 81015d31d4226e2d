"""Sessions that end, passwords that change (the user's own, or an admin's reset to a temporary one
that must be changed at the next login), users that are switched off.

A user's `session_epoch` is part of their Flask-Login id (User.get_id), so it is carried by the
session cookie and by the remember-me cookie; the user loader refuses an id of an older epoch.
Bumping it in the database therefore ends every session of that user, in every process."""
import secrets

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
    user.must_change_password = False  # a password of the user's (or the operator's) own choosing
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
    if new == current:  # the forced change after a reset must not keep the temporary password
        raise Invalid({"new_password": "新密码不能与当前密码相同 / the new password must differ from the current one"})
    set_password(user, new, field="new_password")


# Letters and digits a person reads aloud or copies from a screen without mistaking one for another.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """Three groups of four (xxxx-xxxx-xxxx, about 59 bits): passes the policy, read out easily."""
    while True:
        groups = ["".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3)]
        candidate = "-".join(groups)
        if any(c.isalpha() for c in candidate) and not passwords.policy_errors(candidate):
            return candidate


def force_change(user: User, by_name: str) -> str:
    """A new temporary password for the user (returned, to be passed on once; stored only as its hash),
    every session ended, and a change forced at the next login; in the authentication log (not committed:
    the caller writes its admin event in the same transaction)."""
    temporary = temporary_password()
    user.password_hash = passwords.hash_password(temporary)
    user.must_change_password = True
    end_sessions(user)
    events.record("password_changed", user=user, commit=False, by=by_name, reset=True)
    return temporary


def touch(user: User, every_seconds: int = 60) -> None:
    """Remember when the user was last seen (at most one write a minute)."""
    now = clock.now()
    if user.last_seen_at is None or (now - user.last_seen_at).total_seconds() >= every_seconds:
        db.session.execute(update(User).where(User.id == user.id).values(last_seen_at=now))
        db.session.commit()
        user.last_seen_at = now
