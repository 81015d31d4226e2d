"""The access log records reads of a registry mismatch's child too: a child the household register lists
and no school does is no pupil, yet a reviewer reads their ID number, name and guardian.

access_log gets a nullable mismatch_id, its pupil_id becomes nullable, and a CHECK keeps every entry about
someone (a pupil or a mismatch's child). On SQLite the table is rebuilt by a batch copy, which drops its
append-only triggers: they are created again, with the same SQL as when they were first added.

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

CHECK = "pupil_id IS NOT NULL OR mismatch_id IS NOT NULL"
SQLITE_TRIGGERS = [
    """CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
       BEGIN SELECT RAISE(ABORT, 'access_log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
       BEGIN SELECT RAISE(ABORT, 'access_log is append-only: DELETE refused'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS access_log_no_update", "DROP TRIGGER IF EXISTS access_log_no_delete"]


def upgrade():
    column = sa.Column('mismatch_id', sa.Integer(), nullable=True)
    if op.get_bind().dialect.name == "postgresql":
        op.add_column('access_log', column)
        op.create_foreign_key('fk_access_log_mismatch_id_register_mismatches', 'access_log',
                              'register_mismatches', ['mismatch_id'], ['id'])
        op.alter_column('access_log', 'pupil_id', existing_type=sa.Integer(), nullable=True)
        op.create_check_constraint('ck_access_log_subject', 'access_log', CHECK)
    else:
        for statement in SQLITE_DROP:
            op.execute(statement)
        with op.batch_alter_table('access_log') as batch:
            batch.add_column(column)
            batch.create_foreign_key('fk_access_log_mismatch_id_register_mismatches', 'register_mismatches',
                                     ['mismatch_id'], ['id'])
            batch.alter_column('pupil_id', existing_type=sa.Integer(), nullable=True)
            batch.create_check_constraint('ck_access_log_subject', CHECK)
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    op.create_index('ix_access_log_mismatch_id', 'access_log', ['mismatch_id'])
    # A case's mismatch is looked up on every read of a case about no pupil.
    op.create_index('ix_register_mismatches_case_id', 'register_mismatches', ['case_id'])


def downgrade():
    op.drop_index('ix_register_mismatches_case_id', table_name='register_mismatches')
    op.drop_index('ix_access_log_mismatch_id', table_name='access_log')
    if op.get_bind().dialect.name == "postgresql":
        # Entries about a mismatch's child have no place in the older table: they go with the column.
        op.execute("ALTER TABLE access_log DISABLE TRIGGER access_log_append_only")
        op.execute("DELETE FROM access_log WHERE pupil_id IS NULL")
        op.execute("ALTER TABLE access_log ENABLE TRIGGER access_log_append_only")
        op.drop_constraint('ck_access_log_subject', 'access_log', type_='check')
        op.alter_column('access_log', 'pupil_id', existing_type=sa.Integer(), nullable=False)
        op.drop_constraint('fk_access_log_mismatch_id_register_mismatches', 'access_log', type_='foreignkey')
        op.drop_column('access_log', 'mismatch_id')
    else:
        for statement in SQLITE_DROP:
            op.execute(statement)
        op.execute("DELETE FROM access_log WHERE pupil_id IS NULL")
        with op.batch_alter_table('access_log') as batch:
            batch.drop_constraint('ck_access_log_subject', type_='check')
            batch.drop_constraint('fk_access_log_mismatch_id_register_mismatches', type_='foreignkey')
            batch.alter_column('pupil_id', existing_type=sa.Integer(), nullable=False)
            batch.drop_column('mismatch_id')
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
