"""Rebuilding a table as partitioned by month, or back as a plain table, with its rows (the same ids),
its sequence, indexes, CHECK and FOREIGN KEY constraints, triggers and grants: what migration 0027
does to an existing database, in the migration's one transaction.

The rows are moved with one INSERT … SELECT into the new table before its indexes, constraints and
triggers exist (so nothing re-fires: the audit chain's rows are copied byte for byte, and the index
builds are single sorts), then the old table is dropped and the new one takes its name. Nothing
points into these tables (no foreign key references them), so the swap breaks no reference.
"""
from datetime import date

from sqlalchemy import text

from app.partitions import AHEAD, catalog, keys, maintain, months


def _shape(conn, table: str) -> dict:
    """Everything of `table` that the rebuilt table must get again."""
    return {"indexes": catalog.indexes(conn, table), "constraints": catalog.constraints(conn, table),
            "triggers": catalog.own_triggers(conn, table), "grants": catalog.grants(conn, table),
            "sequence": catalog.id_sequence(conn, table)}


def _swap(conn, table: str, shape: dict, create: str) -> None:
    """Move table's rows into a new table made by `create` (its name as {t}), and give it the old one's shape."""
    old = f"{table}_old"
    seq = shape["sequence"]
    if seq:  # dropping the old table would drop the sequence it owns: the ids go on from where they are
        conn.execute(text(f"ALTER SEQUENCE {seq} OWNED BY NONE"))
    conn.execute(text(f"ALTER TABLE {table} RENAME TO {old}"))
    conn.execute(text(create.format(t=table, old=old)))
    return old


def _finish(conn, table: str, old: str, shape: dict, primary_key: str) -> None:
    conn.execute(text(f"INSERT INTO {table} SELECT * FROM {old}"))
    conn.execute(text(f"DROP TABLE {old}"))
    if shape["sequence"]:
        conn.execute(text(f"ALTER SEQUENCE {shape['sequence']} OWNED BY {table}.id"))
    conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({primary_key})"))
    for statement in shape["indexes"]:
        conn.execute(text(statement))
    for name, definition in shape["constraints"]:
        conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"))
    for statement in shape["triggers"]:
        conn.execute(text(statement))
    for grantee, privilege in shape["grants"]:
        conn.execute(text(f"GRANT {privilege} ON {table} TO {grantee}"))


_LIKE = "CREATE TABLE {t} (LIKE {old} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)"


def to_partitioned(conn, table: str, key: str, today: date, ahead: int = AHEAD) -> int:
    """Rebuild `table` PARTITION BY RANGE (key): a partition per month from its oldest row's month to
    `ahead` months past today's, and DEFAULT. Returns the number of partitions."""
    shape = _shape(conn, table)
    first = conn.execute(text(f"SELECT min({key}) FROM {table}")).scalar()
    old = _swap(conn, table, shape, _LIKE + f" PARTITION BY RANGE ({key})")
    current = months.of(today)
    span = months.span(min(months.of(first), current) if first else current, months.add(current, ahead))
    for month in span:
        conn.execute(text(f"CREATE TABLE {months.partition_name(table, month)} PARTITION OF {table} "
                          f"FOR VALUES FROM ('{months.first_day(month)}') TO ('{months.first_day(months.add(month, 1))}')"))
    conn.execute(text(f"CREATE TABLE {months.default_name(table)} PARTITION OF {table} DEFAULT"))
    # The primary key must hold the partition key; (id, key) is as unique as id alone, since id
    # comes from the table's sequence and is already unique by itself.
    _finish(conn, table, old, shape, f"id, {key}")
    if table in keys.KEYS:
        keys.create(conn, table)
    for name, _ in catalog.partitions(conn, table):  # the TRUNCATE guards and grants of each month
        maintain._guard(conn, table, name)
    return len(span) + 1


def to_plain(conn, table: str) -> None:
    """Rebuild `table` as one plain table (all its partitions' rows), as before 0027."""
    if table in keys.KEYS:
        keys.drop(conn, table)
    shape = _shape(conn, table)
    old = _swap(conn, table, shape, _LIKE)
    _finish(conn, table, old, shape, "id")
    if table in keys.KEYS:
        keys.restore_constraint(conn, table)
