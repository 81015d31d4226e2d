"""API-wide request limits (Flask-Limiter, stored in the app's Redis): the token endpoint per
address, exports and imports per caller (a token, or a logged-in user), each group one budget
across its endpoints (the case list export, report downloads and timeline CSVs are one group).

The failed-login lockout is separate (app/auth/lockout.py): it counts failures, not requests.
When Redis is down these limits let requests through (logged): they guard against load, and the
lockout — which falls back to the database — still guards the passwords."""
import hashlib
import logging
import time

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES

from app.extensions import limiter_storage, redis_url

log = logging.getLogger("baoxue.limits")


def _caller() -> str:
    """The user a request comes from: the bearer token (hashed) on the API, the session's user on
    pages, else the address."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "tok:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:24]
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "ip:" + (get_remote_address() or "-")


limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", headers_enabled=False,
                  swallow_errors=True, strategy="moving-window")

token_limit = limiter.shared_limit(lambda: current_app.config["BAOXUE_RATE_TOKEN"], scope="token")
export_limit = limiter.shared_limit(lambda: current_app.config["BAOXUE_RATE_EXPORT"], scope="export",
                                    key_func=_caller)
import_limit = limiter.shared_limit(lambda: current_app.config["BAOXUE_RATE_IMPORT"], scope="import",
                                    key_func=_caller, exempt_when=lambda: request.method != "POST")


def init_app(app) -> None:
    app.before_request(_bind_storage)  # first: the limiter's own check runs in a before_request too
    limiter.init_app(app)  # binds memory storage: replaced by the app's Redis on the first request
    limiter._baoxue_url = None


def _bind_storage():
    """Point the limiter at this app's Redis on the first request (not at start-up: a CLI command
    should not start the embedded Redis it does not need)."""
    url = redis_url(current_app)
    if getattr(limiter, "_baoxue_url", None) == url:
        return
    storage_url, options = limiter_storage(current_app)
    limiter._storage = storage_from_string(storage_url, **options)
    limiter._limiter = STRATEGIES["moving-window"](limiter._storage)
    limiter._baoxue_url = url


def retry_after() -> int:
    """Seconds until the limit that refused this request lets one through again."""
    try:
        return max(int(limiter.current_limit.reset_at - time.time()), 1)
    except Exception:  # noqa: BLE001 — no window known: a minute
        return 60
