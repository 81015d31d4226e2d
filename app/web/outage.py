"""A database that does not answer is an outage, not a bug in the request: 503 with Retry-After.

The API answers JSON, a page the error page in the user's language, drawn without the database (no
logged-in user is loaded for it). Nothing has to be restarted when the database is back: a pooled
connection found broken is invalidated by SQLAlchemy together with the rest of the pool, so this
request answers 503 and the next one gets a new connection.
"""
import logging
from functools import partial

import psycopg
from flask import current_app, g, jsonify, make_response, request
from flask_babel import get_locale
from sqlalchemy import exc

from app.extensions import db

log = logging.getLogger(__name__)
RETRY_AFTER = 15  # seconds: about how long a database restart takes
MESSAGE = "数据库暂时无法访问, 请稍后重试 / the database cannot be reached for the moment: please try again shortly"

ERRORS: tuple = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)
try:  # the engine's step takes a raw psycopg connection from the pool (app/engine/store.py)
    ERRORS += (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover — SQLite-only installs
    pass


def _language() -> None:
    """Fix the page's language now, then drop the user: both may need the database otherwise."""
    try:
        get_locale()  # cached for the request: the template uses this value
    except Exception:  # noqa: BLE001 — the user could not be loaded: the session's language, or the browser's
        g._login_user = current_app.login_manager.anonymous_user()
        get_locale()
    g._login_user = current_app.login_manager.anonymous_user()


def respond(err: Exception, page=None):
    log.warning("database unavailable on %s %s: %s", request.method, request.path, type(err).__name__)
    if request.path.startswith("/api/"):
        response = jsonify({"error": "unavailable", "message": MESSAGE})
    else:
        _language()
        response = make_response(page(503, MESSAGE)[0])
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 — the connection is gone; the pool has already dropped it
        pass
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def register(target, page=None) -> None:
    """On the app and on each blueprint (a blueprint's catch-all handler would be found first).
    `page(status, message)` draws the HTML error page (the pages' own, app/views/setup.py); the API's
    blueprint, which answers only JSON, has none."""
    for error in ERRORS:
        target.register_error_handler(error, partial(respond, page=page))
