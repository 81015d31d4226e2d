"""What PostgreSQL's catalog says about a table: the pieces a partition or a rebuilt table must carry."""
from sqlalchemy import text


def exists(conn, name: str) -> bool:
    return conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar()


def grants(conn, table: str) -> list[tuple[str, str]]:
    """(grantee, privilege) of every role but the owner; grantee PUBLIC for 0."""
    return conn.execute(text(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END, "
        "a.privilege_type FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = CAST(:t AS regclass) AND a.grantee <> c.relowner ORDER BY 1, 2"), {"t": table}).all()


def copy_grants(conn, source: str, target: str) -> None:
    """target ends with source's privileges (a partition read directly is guarded like its parent)."""
    for grantee in {g for g, _ in grants(conn, target)}:
        conn.execute(text(f"REVOKE ALL ON {target} FROM {grantee}"))
    for grantee, privilege in grants(conn, source):
        conn.execute(text(f"GRANT {privilege} ON {target} TO {grantee}"))


def statement_triggers(conn, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's own statement-level triggers (TRUNCATE guards): PostgreSQL
    clones row triggers onto partitions but not these, so each partition gets its own copy."""
    return conn.execute(text(
        "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = CAST(:t AS regclass) "
        "AND NOT t.tgisinternal AND t.tgtype & 1 = 0 ORDER BY t.tgname"), {"t": table}).all()


def copy_statement_triggers(conn, source: str, target: str) -> None:
    have = {name for name, _ in statement_triggers(conn, target)}
    for name, definition in statement_triggers(conn, source):
        if name not in have:
            on = f" ON public.{source} " if f" ON public.{source} " in definition else f" ON {source} "
            conn.execute(text(definition.replace(on, f" ON {target} ", 1)))


def own_triggers(conn, table: str) -> list[str]:
    """Definitions of the table's own triggers (not ones cloned from a parent, not internal ones)."""
    return conn.execute(text(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) "
        "AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname"), {"t": table}).scalars().all()


def indexes(conn, table: str) -> list[str]:
    """CREATE INDEX statements of the table's indexes that no constraint owns (a partitioned table's
    say ON ONLY, which a plain table must not)."""
    rows = conn.execute(text(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = CAST(:t AS regclass) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
        "ORDER BY 1"), {"t": table}).scalars().all()
    return [r.replace(" ON ONLY ", " ON ", 1) for r in rows]


def constraints(conn, table: str, kinds: str = "cf") -> list[tuple[str, str]]:
    """(name, definition) of the table's own CHECK ('c') and FOREIGN KEY ('f') constraints."""
    return conn.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) "
        "AND conparentid = 0 AND position(contype IN :k) > 0 ORDER BY conname"), {"t": table, "k": kinds}).all()


def id_sequence(conn, table: str) -> str | None:
    return conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()


def partitions(conn, table: str) -> list[tuple[str, str]]:
    """(name, bound expression) of the table's partitions."""
    return conn.execute(text(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = CAST(:t AS regclass) ORDER BY c.relname"), {"t": table}).all()


def is_partitioned(conn, table: str) -> bool:
    return conn.execute(text("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(:t)"),
                        {"t": table}).scalar() or False
