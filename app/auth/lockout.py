"""The one login lockout, shared by the login page and POST /api/v1/auth/token: failed logins are
counted per account and address (5) and per address (30) over 15 minutes, in Redis.

When Redis cannot be asked, the count is taken from the authentication log (auth_events, where every
failure is written anyway), so the lockout still holds across processes; a login then costs one
indexed query more, and nobody is locked out because Redis is away."""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app import clock
from app.auth import events, passwords
from app.extensions import connection, db
from app.models import User

log = logging.getLogger("baoxue.auth")
MAX_FAILURES = 5           # per username and address, in WINDOW
MAX_FAILURES_PER_IP = 30   # per address, whatever usernames it tries
WINDOW = 15 * 60


class Locked(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = max(int(retry_after), 1)


def _keys(username: str, address: str) -> list[str]:
    return [f"bx:login:{address}:{username.lower()[:64]}", f"bx:login:{address}"]


def retry_after(username: str, address: str) -> int:
    """Seconds until this username may try again from this address (0: it may now)."""
    keys = _keys(username, address)
    try:
        with connection(current_app).pipeline() as pipe:
            for key in keys:
                pipe.get(key)
                pipe.ttl(key)
            user_count, user_ttl, ip_count, ip_ttl = pipe.execute()
    except Exception:  # noqa: BLE001 — Redis away: the log holds the same failures
        log.warning("login limiter: Redis unavailable, counting failures in auth_events")
        since = clock.now() - timedelta(seconds=WINDOW)
        if (events.failures_since(since, username=username, address=address) >= MAX_FAILURES
                or events.failures_since(since, username=None, address=address) >= MAX_FAILURES_PER_IP):
            return WINDOW
        return 0
    if int(user_count or 0) >= MAX_FAILURES:
        return max(user_ttl, 1)
    if int(ip_count or 0) >= MAX_FAILURES_PER_IP:
        return max(ip_ttl, 1)
    return 0


def _count_failure(username: str, address: str) -> None:
    try:
        with connection(current_app).pipeline() as pipe:
            for key in _keys(username, address):
                pipe.incr(key)
                pipe.expire(key, WINDOW)
            pipe.execute()
    except Exception:  # noqa: BLE001 — the failure is in auth_events, which the fallback counts
        log.warning("login limiter: Redis unavailable")


def _named(username: str):
    """The account a failed attempt was aimed at, if it exists (the log keeps what was typed too)."""
    return db.session.execute(select(User).where(User.username == username[:64])).scalar_one_or_none()


def attempt(username: str, password: str, *, via: str):
    """The user these credentials open, or None (a failure, counted and logged); raises Locked
    while this account or address is locked. `via` ("page" or "api") goes into the log."""
    address, _ = events.where()
    wait = retry_after(username, address)
    if wait:
        events.record("login_failed", "locked", user=_named(username), username=username, via=via)
        raise Locked(wait)
    user = passwords.authenticate(username, password)
    if user is None:
        _count_failure(username, address)
        events.record("login_failed", "refused", user=_named(username), username=username, via=via)
        log.info("login failed", extra={"event": "login_failed", "user": username[:64]})
    return user
