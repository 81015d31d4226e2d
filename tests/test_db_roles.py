"""Production roles on PostgreSQL: after `baoxue db grants`, the app's role runs the whole app (steps
through baoxue_step, reads, the access log, the deadline sweep) yet cannot touch history."""
import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import create_app
from app.audit.grants import EVENT_TABLES
from app.extensions import db
from tests.conftest import IS_PG, PG_URL

pg = pytest.mark.skipif(not IS_PG, reason="database roles are PostgreSQL's")

# Roles are shared by the whole server: the suffix and the database name keep concurrent runs apart.
ROLE = f"baoxue_h2_app_{make_url(PG_URL).database}" if IS_PG else ""


def _admin(sql):
    dsn = make_url(PG_URL).render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else None


def _drop_role():
    dsn = make_url(PG_URL).render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(dsn, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone():
            conn.execute(f'DROP OWNED BY "{ROLE}"')  # its grants and default privileges in this database
            conn.execute(f'DROP ROLE "{ROLE}"')


@pytest.fixture
def app_role(app):
    _drop_role()  # a run killed half-way may have left it
    dsn = make_url(PG_URL).render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{ROLE}" LOGIN')
    yield ROLE
    _drop_role()


def as_role_url():
    return make_url(PG_URL).set(username=ROLE, password=None).render_as_string(hide_password=False)


@pytest.fixture
def granted(app, runner, app_role):
    out = runner.invoke(args=["db", "grants", app_role])
    assert out.exit_code == 0, out.output
    return app_role


@pytest.fixture
def role_app(app, granted, redis_url, tmp_path):
    """The web/worker app as production runs it: connected as the app role, sharing the audit key."""
    from app.audit import chain as audit
    with app.app_context():
        key = audit.key()
    other = create_app({"SQLALCHEMY_DATABASE_URI": as_role_url(), "REDIS_URL": redis_url, "TESTING": True,
                        "AUDIT_KEY": key})
    other.instance_path = str(tmp_path)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def role_conn():
    return psycopg.connect(as_role_url().replace("+psycopg", ""), autocommit=True)


@pg
def test_the_app_works_as_the_app_role(role_app, district):
    from tests.district import Baoxue
    bx = Baoxue(role_app, role_app.test_client(), district)
    with role_app.app_context():
        assert db.session.execute(sa.text("SELECT current_user")).scalar_one() == ROLE
    case = bx.case_in("visiting")  # open + steps through baoxue_step(), deadlines opened and met
    bx.case(case["id"], as_="teacher")  # an unmasked read: an access_log row
    assert [e["action"] for e in bx.events(case["id"])] == ["open", "report", "start_visits"]
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
    out = role_app.test_cli_runner().invoke(args=["deadlines", "sweep"])  # the worker's path
    assert out.exit_code == 0, out.output
    with role_app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM access_log")).scalar_one() >= 1


TAMPERS = [
    "UPDATE case_events SET actor = 'mallory'",
    "DELETE FROM case_events",
    "TRUNCATE case_events",
    "TRUNCATE cases CASCADE",
    "UPDATE access_log SET via = 'x'",
    "DELETE FROM access_log",
    "TRUNCATE access_log",
    "ALTER TABLE case_events DISABLE TRIGGER case_events_append_only",
    "ALTER TABLE case_events DISABLE TRIGGER ALL",
    "DROP TRIGGER case_events_append_only ON case_events",
    "DROP TRIGGER case_events_no_truncate ON case_events",
    f'ALTER TABLE case_events OWNER TO "{ROLE}"',
    "ALTER TABLE case_events RENAME TO old_events",
    "DROP TABLE case_events CASCADE",
    "DROP TABLE access_log",
    "CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ "
    "LANGUAGE plpgsql",
    "DROP FUNCTION baoxue_step",
    "SET session_replication_role = replica",
    "UPDATE alembic_version SET version_num = '0001'",
]


@pg
def test_every_tamper_is_refused_to_the_app_role(app, bx, granted):
    bx.case_in("reported")
    bx.case(1, as_="teacher")
    with app.app_context():
        before = db.session.execute(sa.text("SELECT count(*), max(hash) FROM case_events")).one()
    with role_conn() as conn:
        for sql in TAMPERS:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
    with app.app_context():
        assert db.session.execute(sa.text("SELECT count(*), max(hash) FROM case_events")).one() == before
        triggers = db.session.execute(sa.text("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = "
                                              "'case_events'::regclass AND NOT tgisinternal")).all()
    assert {name for name, enabled in triggers if enabled == "O"} >= {"case_events_append_only",
                                                                      "case_events_no_truncate"}


def _privileges(role):
    rows = _admin(f"SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) FROM "
                  f"information_schema.role_table_grants WHERE grantee = '{role}' GROUP BY table_name")
    return dict(rows)


@pg
def test_grants_are_exactly_the_apps_and_idempotent(runner, granted):
    first = _privileges(granted)
    existing = [t for t in EVENT_TABLES if t in first]
    assert "case_events" in existing and "access_log" in existing
    for table in existing:  # every event table of the list that exists, and only read + append
        assert first[table] == "INSERT,SELECT", table
    assert first["cases"] == "DELETE,INSERT,SELECT,UPDATE"
    assert first["alembic_version"] == "SELECT"
    assert not any("TRUNCATE" in p or "TRIGGER" in p or "REFERENCES" in p for p in first.values())
    assert runner.invoke(args=["db", "grants", granted]).exit_code == 0
    assert _privileges(granted) == first


@pg
def test_print_shows_the_sql_and_runs_nothing(runner, app_role):
    out = runner.invoke(args=["db", "grants", app_role, "--print"])
    assert out.exit_code == 0, out.output
    assert "GRANT SELECT, INSERT ON TABLE case_events, access_log" in out.output
    assert "ALTER DEFAULT PRIVILEGES" in out.output
    assert _privileges(app_role) == {}


@pg
def test_a_table_a_later_migration_adds_is_covered(app, granted):
    table = f"h2_later_{make_url(PG_URL).database}"
    _admin(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, x int)')
    try:
        with role_conn() as conn:
            conn.execute(f'INSERT INTO "{table}" (x) VALUES (1)')
            conn.execute(f'UPDATE "{table}" SET x = 2')
            assert conn.execute(f'SELECT x FROM "{table}"').fetchall() == [(2,)]
    finally:
        _admin(f'DROP TABLE "{table}"')


@pg
@pytest.mark.parametrize("who, message", [("postgres", "superuser"), ("no_such_role_h2", "no role")])
def test_grants_refuse_an_owner_or_superuser_and_unknown_roles(runner, who, message):
    out = runner.invoke(args=["db", "grants", who])
    assert out.exit_code == 1 and message in out.output


@pytest.mark.skipif(IS_PG, reason="the SQLite answer")
def test_grants_explain_that_sqlite_has_no_roles(runner):
    out = runner.invoke(args=["db", "grants", "anyone"])
    assert out.exit_code == 1 and "db grants is for PostgreSQL" in out.output


@pg
def test_production_setup_an_owner_migrates_and_grants_the_app_runs(redis_url, tmp_path):
    """The README's recipe end to end: a non-superuser owner owns a database, runs `db upgrade` and
    `db grants`; the app role then works, and cannot alter the owner's tables."""
    from flask_migrate import upgrade
    name = make_url(PG_URL).database
    owner, base = f"baoxue_h2_owner_{name}", f"baoxue_h2_roles_{name}"
    url = make_url(PG_URL).set(database=base)

    def cleanup():
        _admin(f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)')
        _drop_role()
        _admin(f'DROP ROLE IF EXISTS "{owner}"')
    cleanup()
    try:
        _admin(f'CREATE ROLE "{owner}" LOGIN')
        _admin(f'CREATE ROLE "{ROLE}" LOGIN')
        _admin(f'CREATE DATABASE "{base}" OWNER "{owner}"')
        as_owner = url.set(username=owner).render_as_string(hide_password=False)
        owner_app = create_app({"SQLALCHEMY_DATABASE_URI": as_owner, "REDIS_URL": redis_url,
                                "AUDIT_KEY": b"p" * 32})
        owner_app.instance_path = str(tmp_path)
        with owner_app.app_context():
            upgrade()
            db.engine.dispose()
        out = owner_app.test_cli_runner().invoke(args=["db", "grants", ROLE])
        assert out.exit_code == 0, out.output
        out = owner_app.test_cli_runner().invoke(args=["units", "add", "D", "区", "--kind", "district"])
        assert out.exit_code == 0, out.output
        app_app = create_app({"SQLALCHEMY_DATABASE_URI": url.set(username=ROLE).render_as_string(
            hide_password=False), "REDIS_URL": redis_url, "AUDIT_KEY": b"p" * 32})
        runner = app_app.test_cli_runner()
        for args in (["units", "add", "S", "校", "--kind", "school", "--parent", "D"],
                     ["users", "add", "wang", "--role", "school_admin", "--unit", "S", "--password", "Owner-setup-2026!x"],
                     ["audit", "verify"]):
            out = runner.invoke(args=args)
            assert out.exit_code == 0, out.output
        dsn = url.set(username=ROLE).render_as_string(hide_password=False).replace("+psycopg", "")
        with psycopg.connect(dsn, autocommit=True) as conn:
            for sql in ("ALTER TABLE case_events DISABLE TRIGGER ALL", "TRUNCATE case_events",
                        "DROP TABLE access_log"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)
        for a in (owner_app, app_app):
            with a.app_context():
                db.engine.dispose()
    finally:
        cleanup()
