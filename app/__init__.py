"""Baoxue (保学): the Flask application factory."""
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import config as _config
from app.extensions import db, migrate

MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("BAOXUE_INSTANCE", str(Path.cwd() / "instance")))
    app.config.update(_config.from_env(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # PostgreSQL's JIT compiles a query whose estimated cost passes a threshold, which the pages'
        # aggregates reach at district scale: 10–20 ms of compiling to save less than that.
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {}).setdefault("options", "-c jit=off")
    os.makedirs(app.instance_path, exist_ok=True)
    app.json.ensure_ascii = False

    db.init_app(app)
    from app.web import limits
    limits.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    load_workflows()
    from app.engine import warm
    warm.prepare(app)  # what the first steps would build lazily: bound forms, compiled reads

    from app import views

    from app.web import edge
    from app.api import bp as api_bp
    edge.init_app(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(views.bp)
    views.init_app(app)
    from app.privacy import redaction as privacy
    privacy.init_app(app)

    from app import cli
    cli.register(app)

    from app.deadlines import timers
    from app.engine import operations
    from app.reports import frozen  # noqa: F401  (registers the monthly report's freezer)
    if timers.after_step not in operations.AFTER_COMMIT:
        operations.AFTER_COMMIT.append(timers.after_step)
    # last: everything above is start-up, kept for the life of the process. Not in a test process,
    # which makes an app per test (pytest sets PYTEST_CURRENT_TEST, and its subprocesses inherit it)
    if not app.testing and "PYTEST_CURRENT_TEST" not in os.environ:
        warm.settle()
    return app


def load_workflows() -> None:
    """Compile every workflow definition once per process (a no-op when already compiled)."""
    import workflows
    from app.engine import definition, machine
    from app.auth.roles import ROLES
    for raw in workflows.ALL:
        machine.register(definition.build(raw, ROLES))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # SQLite only: enforce foreign keys and wait for a writer instead of failing at once.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()
