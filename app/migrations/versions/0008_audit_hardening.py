"""Append-only hardening: TRUNCATE refused on the event tables.

case_events gets a statement-level TRUNCATE trigger (TRUNCATE fires no row triggers, so the UPDATE/DELETE
guard of 0001 never saw it); access_log, append-only too, gets the same guards as case_events.

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# One refusing function for any append-only table; the message names the table and the operation.
PG_UP = """
CREATE OR REPLACE FUNCTION baoxue_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION baoxue_append_only();
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION baoxue_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION baoxue_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS access_log_no_truncate ON access_log;
DROP TRIGGER IF EXISTS access_log_append_only ON access_log;
DROP TRIGGER IF EXISTS case_events_no_truncate ON case_events;
DROP FUNCTION IF EXISTS baoxue_append_only();
"""
# SQLite has no TRUNCATE (DELETE without WHERE is refused by the DELETE trigger).
SQLITE_UP = [
    """CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
       BEGIN SELECT RAISE(ABORT, 'access_log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
       BEGIN SELECT RAISE(ABORT, 'access_log is append-only: DELETE refused'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS access_log_no_update", "DROP TRIGGER IF EXISTS access_log_no_delete"]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_UP)
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_DOWN)
    else:
        for statement in SQLITE_DOWN:
            op.execute(statement)
