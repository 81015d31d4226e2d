"""Pupil history and admin events (append-only).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _actor_columns():
    return [sa.Column('at', sa.DateTime(), nullable=False),
            sa.Column('actor_id', sa.Integer(), nullable=True),
            sa.Column('actor', sa.String(length=64), nullable=False)]


def upgrade():
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    *_actor_columns(),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=True),
    sa.Column('created', sa.Integer(), nullable=True),
    sa.Column('updated', sa.Integer(), nullable=True),
    sa.Column('unchanged', sa.Integer(), nullable=True),
    sa.Column('failed', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_import_runs_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    op.create_table('pupil_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    *_actor_columns(),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_pupil_events_actor_id_users')),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'],
                            name=op.f('fk_pupil_events_import_run_id_import_runs')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_pupil_events_pupil_id_pupils')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupil_events'))
    )
    with op.batch_alter_table('pupil_events', schema=None) as batch_op:
        batch_op.create_index('ix_pupil_events_pupil_id_at', ['pupil_id', 'at'], unique=False)
    op.create_table('admin_events',
    sa.Column('id', sa.Integer(), nullable=False),
    *_actor_columns(),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admin_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_events'))
    )
    with op.batch_alter_table('admin_events', schema=None) as batch_op:
        batch_op.create_index('ix_admin_events_at', ['at'], unique=False)
        batch_op.create_index('ix_admin_events_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_admin_events_actor_at', ['actor', 'at'], unique=False)
    _append_only()


APPEND_ONLY = ("pupil_events", "admin_events")

# As case_events (0001), plus TRUNCATE, which fires no row trigger: refused by a statement trigger.
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""
PG_TABLE = """
CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION history_append_only();
CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION history_append_only();
"""
# An import run is written when it starts (its pupils' events point to it) and completed once with
# its counts and finished_at; after that, and for every other column, it is as append-only as the rest.
PG_IMPORT_RUNS = """
CREATE OR REPLACE FUNCTION import_runs_seal() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.finished_at IS NULL AND NEW.finished_at IS NOT NULL AND NEW.id = OLD.id
       AND NEW.at = OLD.at AND NEW.actor = OLD.actor AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.via = OLD.via AND NEW.filename = OLD.filename THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'import_runs is append-only (completed once): % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER import_runs_seal BEFORE UPDATE OR DELETE ON import_runs FOR EACH ROW EXECUTE FUNCTION import_runs_seal();
CREATE TRIGGER import_runs_no_truncate BEFORE TRUNCATE ON import_runs
    FOR EACH STATEMENT EXECUTE FUNCTION history_append_only();
"""
SQLITE_TABLE = [
    """CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t}
       BEGIN SELECT RAISE(ABORT, '{t} is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t}
       BEGIN SELECT RAISE(ABORT, '{t} is append-only: DELETE refused'); END""",
]
SQLITE_IMPORT_RUNS = [
    """CREATE TRIGGER import_runs_seal BEFORE UPDATE ON import_runs
       WHEN OLD.finished_at IS NOT NULL OR NEW.finished_at IS NULL OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
         OR NEW.actor IS NOT OLD.actor OR NEW.actor_id IS NOT OLD.actor_id OR NEW.via IS NOT OLD.via
         OR NEW.filename IS NOT OLD.filename
       BEGIN SELECT RAISE(ABORT, 'import_runs is append-only (completed once): UPDATE refused'); END""",
    """CREATE TRIGGER import_runs_no_delete BEFORE DELETE ON import_runs
       BEGIN SELECT RAISE(ABORT, 'import_runs is append-only: DELETE refused'); END""",
]


def _append_only():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for t in APPEND_ONLY:
            op.execute(PG_TABLE.format(t=t))
        op.execute(PG_IMPORT_RUNS)
    else:
        for t in APPEND_ONLY:
            for statement in SQLITE_TABLE:
                op.execute(statement.format(t=t))
        for statement in SQLITE_IMPORT_RUNS:
            op.execute(statement)


def downgrade():
    op.drop_table('admin_events')
    op.drop_table('pupil_events')
    op.drop_table('import_runs')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS import_runs_seal()")
        op.execute("DROP FUNCTION IF EXISTS history_append_only()")
