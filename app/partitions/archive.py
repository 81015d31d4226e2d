"""Old notifications out of the inbox table into notifications_archive (same columns, same ids).

What moves: notifications created before the first day of a month, read ones only unless told all;
never one whose email is still pending (the outbox sends from the inbox table). So by default every
user's unread count and every unread notice stay as they were; only old, read ones leave the list.

On PostgreSQL a whole month partition all of whose rows move is detached from notifications and
attached to the archive (no row is copied); any other month is moved set-based, INSERT … SELECT then
DELETE, in one transaction per month. On SQLite every month is set-based. Running it again moves
nothing more (idempotent). The keys of the notice-once guarantee stay where they are (keys.py).
"""
from sqlalchemy import text

from app.models.notifications import Notification
from app.partitions import ARCHIVE, catalog, is_pg, maintain, months

TABLE = "notifications"
NOT_PENDING = "(email_status IS NULL OR email_status <> 'pending')"


def condition(everything: bool) -> str:
    return NOT_PENDING if everything else f"read_at IS NOT NULL AND {NOT_PENDING}"


def _columns(conn) -> str:
    return ", ".join(c.name for c in Notification.__table__.columns)


def pending_months(conn, before, everything: bool) -> list[tuple[int, int]]:
    """Months before `before` that have notifications to move."""
    cutoff = months.first_day(before).isoformat()
    if is_pg(conn):
        rows = conn.execute(text(f"SELECT DISTINCT date_trunc('month', created_at) FROM {TABLE} "
                                 f"WHERE created_at < :c AND {condition(everything)}"), {"c": cutoff}).scalars()
        return sorted(months.of(r) for r in rows)
    rows = conn.execute(text(f"SELECT DISTINCT substr(created_at, 1, 7) FROM {TABLE} "
                             f"WHERE created_at < :c AND {condition(everything)}"), {"c": cutoff}).scalars()
    return sorted(months.parse(r) for r in rows)


def _detachable(conn, month, everything: bool) -> bool:
    """The month has its own partition, every row of it moves, and the archive has no such month yet."""
    part = months.partition_name(TABLE, month)
    if not catalog.exists(conn, part) or catalog.exists(conn, months.partition_name(ARCHIVE, month)):
        return False
    return not conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {part} WHERE NOT ({condition(everything)}))")).scalar()


def _detach(conn, month) -> int:
    part, target = months.partition_name(TABLE, month), months.partition_name(ARCHIVE, month)
    lo, hi = months.first_day(month), months.first_day(months.add(month, 1))
    n = conn.execute(text(f"SELECT count(*) FROM {part}")).scalar()
    conn.execute(text(f"ALTER TABLE {TABLE} DETACH PARTITION {part}"))
    conn.execute(text(f"ALTER TABLE {part} RENAME TO {target}"))
    conn.execute(text(f"ALTER TABLE {ARCHIVE} ATTACH PARTITION {target} FOR VALUES FROM ('{lo}') TO ('{hi}')"))
    catalog.copy_grants(conn, ARCHIVE, target)
    return n


def _move(conn, month, everything: bool) -> int:
    lo, hi = months.first_day(month).isoformat(), months.first_day(months.add(month, 1)).isoformat()
    if is_pg(conn):
        maintain.create_month(conn, ARCHIVE, "created_at", month)
    cols = _columns(conn)
    where = f"created_at >= :lo AND created_at < :hi AND {condition(everything)}"
    conn.execute(text(f"INSERT INTO {ARCHIVE} ({cols}) SELECT {cols} FROM {TABLE} WHERE {where}"), {"lo": lo, "hi": hi})
    return conn.execute(text(f"DELETE FROM {TABLE} WHERE {where}"), {"lo": lo, "hi": hi}).rowcount


def archive_month(conn, month, everything: bool) -> tuple[int, str]:
    """(rows moved, how: detached | moved) for one month, in the caller's transaction."""
    if is_pg(conn) and _detachable(conn, month, everything):
        return _detach(conn, month), "detached"
    return _move(conn, month, everything), "moved"


def run(engine, before, everything: bool = False, progress=None, todo=None) -> dict:
    """Archive every pending month, each in its own transaction; totals by how."""
    if todo is None:
        with engine.connect() as conn:
            todo = pending_months(conn, before, everything)
    out = {"months": 0, "detached": 0, "moved": 0}
    for month in todo:
        with engine.begin() as conn:
            n, how = archive_month(conn, month, everything)
        out["months"] += 1
        out[how] += n
        if progress:
            progress(1)
    return out
