"""Tampering as a database superuser would: the append-only triggers bypassed for these statements only.

PostgreSQL: replica mode (SET LOCAL: this transaction alone) fires no ordinary trigger. SQLite has no such
mode: the triggers are dropped, which lasts only as long as the test's own database file. A guard
disabled with ALTER TABLE instead would stay off for every later test sharing the PostgreSQL schema.
"""
import sqlalchemy as sa

from app.extensions import db
from tests.conftest import IS_PG


def tamper(app, *statements, **params):
    with app.app_context():
        with db.engine.begin() as conn:
            if IS_PG:
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            else:
                for (name,) in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
                    conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
            for statement in statements:
                conn.execute(sa.text(statement), params)
