"""Uniqueness that a partitioned table cannot index. PostgreSQL wants the partition key in every unique
index of a partitioned table, and adding the timestamp to (case_id, seq) would weaken it: two events
with the same case and seq but different times would both be accepted. So each such guarantee is
kept in a small, non-partitioned table of its keys, claimed by a BEFORE INSERT trigger in the same
transaction as the row: a second row with the same key fails with unique_violation (SQLSTATE 23505,
under the original constraint's name), waiting for the first one's transaction exactly as a unique
index does. The keys never change (a trigger refuses an UPDATE of those columns) and are never
deleted: an archived notification's key stays, so a timer that runs again still cannot notify twice.
"""
from sqlalchemy import text

# table -> (keys table, constraint name the code and its error messages know, key columns,
#           the rows the original unique constraint constrains (NULLs are never equal), foreign key)
KEYS = {
    "case_events": ("case_event_keys", "uq_case_events_case_seq", ("case_id", "seq"), "true",
                    ("case_id", "cases")),
    "notifications": ("notification_keys", "uq_notification_once", ("deadline_id", "kind", "level", "user_id"),
                      "deadline_id IS NOT NULL", ("deadline_id", "deadlines")),
}


def _new(cols, cond: str) -> str:
    return " AND ".join(f"NEW.{c} IS NOT NULL" for c in cols) if cond != "true" else "true"


def create(conn, table: str) -> None:
    """The keys table of `table`, filled from its rows, and the triggers that keep it."""
    keys, name, cols, cond, (fk_col, fk_table) = KEYS[table]
    c = ", ".join(cols)
    conn.execute(text(f"CREATE TABLE {keys} AS SELECT {c} FROM {table} WHERE {cond}"))
    conn.execute(text(f"ALTER TABLE {keys} ADD CONSTRAINT {name} PRIMARY KEY ({c})"))
    conn.execute(text(f"ALTER TABLE {keys} ADD CONSTRAINT fk_{keys}_{fk_col}_{fk_table} "
                      f"FOREIGN KEY ({fk_col}) REFERENCES {fk_table} (id)"))
    # The same columns, unconstrained, on the table itself: the reads by them (a case's timeline in
    # seq order, a deadline's notices) stay index scans, one per month partition.
    conn.execute(text(f"CREATE INDEX ix_{name[3:]} ON {table} ({c})"))
    new = ", ".join(f"NEW.{x}" for x in cols)
    old = ", ".join(f"OLD.{x}" for x in cols)
    conn.execute(text(f"""
CREATE FUNCTION {keys}_claim() RETURNS trigger AS $$
BEGIN
    IF {_new(cols, cond)} THEN
        INSERT INTO {keys} ({c}) VALUES ({new});
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE FUNCTION {keys}_fixed() RETURNS trigger AS $$
BEGIN
    IF ROW({new}) IS DISTINCT FROM ROW({old}) THEN
        RAISE EXCEPTION '{table}: the columns of {name} do not change' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_key BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {keys}_claim();
CREATE TRIGGER {table}_key_fixed BEFORE UPDATE OF {c} ON {table} FOR EACH ROW EXECUTE FUNCTION {keys}_fixed();
CREATE TRIGGER {keys}_append_only BEFORE UPDATE OR DELETE ON {keys} FOR EACH ROW EXECUTE FUNCTION baoxue_append_only();
CREATE TRIGGER {keys}_no_truncate BEFORE TRUNCATE ON {keys} FOR EACH STATEMENT EXECUTE FUNCTION baoxue_append_only();
"""))


def drop(conn, table: str) -> None:
    """Back to a unique constraint on the (plain) table itself."""
    keys, name, cols, _, _ = KEYS[table]
    conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_key ON {table}; "
                      f"DROP TRIGGER IF EXISTS {table}_key_fixed ON {table}; DROP TABLE IF EXISTS {keys}; "
                      f"DROP INDEX IF EXISTS ix_{name[3:]}; "
                      f"DROP FUNCTION IF EXISTS {keys}_claim(); DROP FUNCTION IF EXISTS {keys}_fixed()"))


def restore_constraint(conn, table: str) -> None:
    _, name, cols, _, _ = KEYS[table]
    conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({', '.join(cols)})"))
