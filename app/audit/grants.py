"""Production database roles: the owner runs the migrations; the app's role may only read and append
to the event tables.

The append-only triggers hold against UPDATE, DELETE and TRUNCATE, but a table's owner can disable or
drop them. So the web and worker processes connect as a role that owns nothing and holds only SELECT and
INSERT on the event tables: no trigger of theirs can be switched off by the app, whatever it is made to run.
"""
from sqlalchemy import text

# Every append-only table, here and nowhere else. Tables of this list that a deployment does not have
# (yet) are skipped.
# import_runs is not among them: a run is written when an import starts and completed once at its end
# (its own trigger seals it after that), so the app role needs that one UPDATE.
# A partition of one of them (app/partitions) is guarded as its table is; case_event_keys and
# notification_keys hold the unique keys of partitioned tables (app/partitions/keys.py).
EVENT_TABLES = ("case_events", "access_log", "pupil_events", "admin_events", "auth_events", "case_files",
                "case_event_keys", "notification_keys")
# Alembic's bookkeeping: the app reads nothing else of it and must never write it.
READ_ONLY_TABLES = ("alembic_version",)


class GrantError(Exception):
    pass


def plan(conn, app_role: str) -> list[str]:
    """The GRANT/REVOKE statements that give `app_role` exactly the app's privileges on this database,
    run by (or for) the tables' owner. Idempotent: everything is revoked first, then granted."""
    if conn.dialect.name != "postgresql":
        raise GrantError("db grants is for PostgreSQL (SQLite has no roles: the file's owner is the app)")
    q = conn.dialect.identifier_preparer.quote
    schema, database = conn.execute(text("SELECT current_schema(), current_database()")).one()
    tables = dict(conn.execute(text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = :s"),
                               {"s": schema}).all())
    if "case_events" not in tables:
        raise GrantError(f"no Baoxue tables in schema {schema}: run `baoxue db upgrade` (as the owner) first")
    owner = tables["case_events"]
    role = conn.execute(text("SELECT rolsuper, pg_has_role(:r, :o, 'MEMBER') FROM pg_roles WHERE rolname = :r"),
                        {"r": app_role, "o": owner}).first()
    if role is None:
        raise GrantError(f"no role {app_role}: CREATE ROLE {q(app_role)} LOGIN PASSWORD '…' first")
    if app_role == owner or role[0] or role[1]:
        raise GrantError(f"{app_role} is the owner {owner}, a superuser, or a member of the owner: it could "
                         "disable the append-only triggers; the app needs a role of its own")
    owned = sorted(t for t, o in tables.items() if o == app_role)
    if owned:
        raise GrantError(f"{app_role} owns {', '.join(owned)}: as a superuser, REASSIGN OWNED BY {q(app_role)} "
                         f"TO {q(owner)} first")
    root = dict(conn.execute(text(
        "SELECT c.relname, r.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_class r ON r.oid = pg_partition_root(c.oid) WHERE n.nspname = :s AND c.relispartition"),
        {"s": schema}).all())
    events = [t for t in EVENT_TABLES if t in tables]
    events += sorted(t for t in tables if root.get(t) in EVENT_TABLES)
    read_only = [t for t in READ_ONLY_TABLES if t in tables]
    others = sorted(t for t in tables if t not in events and t not in read_only)
    r, s, o = q(app_role), q(schema), q(owner)

    def names(ts):
        return ", ".join(q(t) for t in ts)

    # CONNECT and schema USAGE usually come with PUBLIC; granted only when missing, since only the
    # database's and the schema's owners may grant them (the tables' owner need not be either).
    connect, usage = conn.execute(text("SELECT has_database_privilege(:r, :d, 'CONNECT'), "
                                       "has_schema_privilege(:r, :s, 'USAGE')"),
                                  {"r": app_role, "d": database, "s": schema}).one()
    sql = [] if connect else [f"GRANT CONNECT ON DATABASE {q(database)} TO {r}"]
    sql += [] if usage else [f"GRANT USAGE ON SCHEMA {s} TO {r}"]
    sql += [f"REVOKE CREATE ON SCHEMA {s} FROM {r}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}"]
    if others:
        sql.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {names(others)} TO {r}")
    if read_only:
        sql.append(f"GRANT SELECT ON TABLE {names(read_only)} TO {r}")
    sql += [f"GRANT SELECT, INSERT ON TABLE {names(events)} TO {r}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
            f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {s} TO {r}",
            # Tables a later migration adds get the ordinary privileges at once, so an upgrade cannot
            # stop the app; a new event table's triggers refuse UPDATE/DELETE until `db grants` is run
            # again and narrows it to SELECT, INSERT.
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT EXECUTE ON FUNCTIONS TO {r}"]
    return sql


def apply(conn, statements: list[str]) -> None:
    for statement in statements:
        conn.execute(text(statement))
