"""Monthly partitions of the tables that only grow (PostgreSQL only; SQLite keeps plain tables).

Each table is PARTITION BY RANGE on its timestamp, one partition per calendar month (named
<table>_pYYYYMM) and a DEFAULT partition (<table>_default) so that an insert never fails for want
of a month. `baoxue db partitions` (and the worker's daily job) creates the months ahead and moves
rows that landed in DEFAULT into their month. See docs/partitions.md.
"""

# table -> its partition key: the timestamp every row has from its insert and never changes.
TABLES = {
    "case_events": "at",
    "notifications": "created_at",
    "access_log": "at",
    "pupil_events": "at",
    "admin_events": "at",
}
ARCHIVE = "notifications_archive"  # partitioned like notifications (its detached months attach here)
PARTITIONED = {**TABLES, ARCHIVE: "created_at"}
AHEAD = 3  # months created beyond the current one


def is_pg(conn) -> bool:
    return conn.dialect.name == "postgresql"
