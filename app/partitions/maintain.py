"""Keeping the months: each partitioned table has its current month and AHEAD months beyond it, and
no rows waiting in DEFAULT for a month of their own. Idempotent; one transaction per month created."""
from datetime import date

from sqlalchemy import text

from app.partitions import AHEAD, TABLES, catalog, months


def _bounds(month) -> tuple[str, str]:
    return months.first_day(month).isoformat(), months.first_day(months.add(month, 1)).isoformat()


def _guard(conn, table: str, part: str) -> None:
    """What PostgreSQL does not carry onto a partition by itself: the TRUNCATE guards and the grants."""
    catalog.copy_statement_triggers(conn, table, part)
    catalog.copy_grants(conn, table, part)


def create_default(conn, table: str) -> bool:
    part = months.default_name(table)
    if catalog.exists(conn, part):
        return False
    conn.execute(text(f"CREATE TABLE {part} PARTITION OF {table} DEFAULT"))
    _guard(conn, table, part)
    return True


def create_month(conn, table: str, key: str, month) -> int | None:
    """Create table's partition for month; None if it was there, else the rows it took from DEFAULT.

    Rows of that month in DEFAULT (inserted when the month had no partition) would make the plain
    CREATE … PARTITION OF fail, so they are copied into the new table before it is attached and
    deleted from DEFAULT, with DEFAULT's append-only triggers off for that one DELETE: all in the
    caller's transaction, under an exclusive lock, so no one sees the rows twice or not at all."""
    part = months.partition_name(table, month)
    if catalog.exists(conn, part):
        return None
    lo, hi = _bounds(month)
    default = months.default_name(table)
    waiting = 0
    if catalog.exists(conn, default):
        waiting = conn.execute(text(f"SELECT count(*) FROM {default} WHERE {key} >= :lo AND {key} < :hi"),
                               {"lo": lo, "hi": hi}).scalar()
    if not waiting:
        conn.execute(text(f"CREATE TABLE {part} PARTITION OF {table} FOR VALUES FROM ('{lo}') TO ('{hi}')"))
    else:
        conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        conn.execute(text(f"CREATE TABLE {part} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
        where = f"{key} >= '{lo}' AND {key} < '{hi}'"
        conn.execute(text(f"INSERT INTO {part} SELECT * FROM {default} WHERE {where}"))
        conn.execute(text(f"ALTER TABLE {default} DISABLE TRIGGER USER"))
        conn.execute(text(f"DELETE FROM {default} WHERE {where}"))
        conn.execute(text(f"ALTER TABLE {default} ENABLE TRIGGER USER"))
        conn.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {part} FOR VALUES FROM ('{lo}') TO ('{hi}')"))
    _guard(conn, table, part)
    return waiting


def waiting_months(conn, table: str, key: str) -> list[tuple[int, int]]:
    """Months that have rows in DEFAULT."""
    default = months.default_name(table)
    if not catalog.exists(conn, default):
        return []
    rows = conn.execute(text(f"SELECT DISTINCT date_trunc('month', {key}) FROM {default}")).scalars().all()
    return sorted(months.of(r) for r in rows)


def plan(conn, today: date, ahead: int = AHEAD, tables=None) -> list[tuple[str, str, tuple[int, int]]]:
    """(table, key, month) of every month partition to create: the current one, `ahead` beyond it, and
    every month with rows waiting in DEFAULT."""
    out = []
    current = months.of(today)
    for table, key in (tables or TABLES).items():
        wanted = set(months.span(current, months.add(current, ahead))) | set(waiting_months(conn, table, key))
        out += [(table, key, m) for m in sorted(wanted)
                if not catalog.exists(conn, months.partition_name(table, m))]
    return out


def may_create(engine) -> bool:
    """Whether this connection's role owns the partitioned tables (needed to create and attach months)."""
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
                                      "WHERE oid = to_regclass('case_events')")).scalar())


def pending(engine, today: date, ahead: int = AHEAD) -> list[tuple[str, str, tuple[int, int]]]:
    """Make sure every table has its DEFAULT partition; then what plan() lists."""
    with engine.begin() as conn:
        for table in TABLES:
            create_default(conn, table)
        return plan(conn, today, ahead)


def run(engine, todo, progress=None) -> list[tuple[str, int]]:
    """Create the months of `todo` (from pending()), each in its own transaction; (partition, rows
    moved from DEFAULT) of each one created."""
    done = []
    for table, key, month in todo:
        with engine.begin() as conn:
            moved = create_month(conn, table, key, month)
        if moved is not None:
            done.append((months.partition_name(table, month), moved))
        if progress:
            progress(1)
    return done
