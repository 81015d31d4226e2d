"""The tables that only grow (case_events, notifications, access_log, pupil_events, admin_events)
become partitioned by month on PostgreSQL, with their rows, ids, sequences, indexes, constraints,
triggers and grants (app/partitions/convert.py); the unique constraints that cannot carry the
timestamp move to tables of keys (app/partitions/keys.py). notifications_archive is new (both
databases). SQLite keeps its plain tables.

Months are created from each table's oldest row to three months past today, and a DEFAULT
partition; `baoxue db partitions` keeps them ahead after that (docs/partitions.md).

Revision ID: 0027
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

from app import clock
from app.partitions import AHEAD, TABLES, convert

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def _archive_columns():
    return [sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('user_id', sa.Integer(), nullable=False),
            sa.Column('case_id', sa.Integer(), nullable=True),
            sa.Column('deadline_id', sa.Integer(), nullable=True),
            sa.Column('kind', sa.String(length=16), nullable=False),
            sa.Column('level', sa.Integer(), nullable=False),
            sa.Column('title', sa.String(length=200), nullable=False),
            sa.Column('body', sa.String(length=1000), nullable=False),
            sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('read_at', sa.DateTime(), nullable=True),
            sa.Column('email_status', sa.String(length=8), nullable=True),
            sa.Column('email_attempts', sa.Integer(), nullable=False),
            sa.Column('emailed_at', sa.DateTime(), nullable=True),
            sa.Column('email_error', sa.String(length=300), nullable=True)]


# The append-only guards name the table refused; on a partition TG_TABLE_NAME is the partition's
# name (access_log_p202612), so they name its partitioned table instead. For a plain table
# pg_partition_root() is NULL and the table is its own name: the same words as before.
GUARD = """
CREATE OR REPLACE FUNCTION {f}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', {name}, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""
GUARDS = ("baoxue_append_only", "history_append_only")
ROOT = "COALESCE(pg_partition_root(TG_RELID), TG_RELID)::regclass"


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        op.create_table('notifications_archive', *_archive_columns(),
                        sa.PrimaryKeyConstraint('id', name='pk_notifications_archive'))
        return
    for f in GUARDS:
        op.execute(GUARD.format(f=f, name=ROOT))
    today = clock.now().date()
    for table, key in TABLES.items():
        convert.to_partitioned(conn, table, key, today, AHEAD)
    cols = ", ".join(f"{c.name} {c.type.compile(dialect=conn.dialect)}{'' if c.nullable else ' NOT NULL'}"
                     for c in _archive_columns())
    op.execute(f"CREATE TABLE notifications_archive ({cols}, "
               "CONSTRAINT pk_notifications_archive PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)")
    op.execute("CREATE INDEX ix_notifications_archive_user_created ON notifications_archive (user_id, created_at)")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table in TABLES:
            convert.to_plain(conn, table)
        for f in GUARDS:
            op.execute(GUARD.format(f=f, name="TG_TABLE_NAME"))
    # archived notices go back to the inbox table (the one place the older schema has for them)
    cols = ", ".join(c.name for c in _archive_columns())
    op.execute(f"INSERT INTO notifications ({cols}) SELECT {cols} FROM notifications_archive")
    op.drop_table('notifications_archive')
