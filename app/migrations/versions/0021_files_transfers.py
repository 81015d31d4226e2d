"""Evidence files a step carries: case_files, one row per file per step (its bytes live outside the
database, named by their SHA-256, which the step's audit event records too). Append-only like the
other history tables.

A case may be scoped by a second unit too (its definition's subject `also`: a transfer's receiving
school sees the transfer of a pupil who is not yet theirs): cases.also_unit_path, nullable, with the same
pattern index as unit_path for the prefix test.

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

PG_UP = """
CREATE TRIGGER case_files_append_only BEFORE UPDATE OR DELETE ON case_files
    FOR EACH ROW EXECUTE FUNCTION baoxue_append_only();
CREATE TRIGGER case_files_no_truncate BEFORE TRUNCATE ON case_files
    FOR EACH STATEMENT EXECUTE FUNCTION baoxue_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER case_files_no_update BEFORE UPDATE ON case_files
       BEGIN SELECT RAISE(ABORT, 'case_files is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER case_files_no_delete BEFORE DELETE ON case_files
       BEGIN SELECT RAISE(ABORT, 'case_files is append-only: DELETE refused'); END""",
]


def upgrade():
    op.create_table(
        'case_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('mime', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_files_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_files')),
    )
    op.create_index('ix_case_files_case_sha', 'case_files', ['case_id', 'sha256'])
    # A plain ADD COLUMN (nullable, no default) on both: SQLite needs no table copy for it, so the
    # cases table keeps its triggers and indexes.
    op.add_column('cases', sa.Column('also_unit_path', sa.String(length=255), nullable=True))
    op.create_index('ix_cases_also_unit_path', 'cases', ['also_unit_path'],
                    postgresql_ops={'also_unit_path': 'varchar_pattern_ops'})
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_UP)
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade():
    op.drop_index('ix_cases_also_unit_path', table_name='cases')
    # SQLite (3.35+) drops an unindexed column in place: no table copy, which the rows referring to
    # cases would refuse.
    op.drop_column('cases', 'also_unit_path')
    op.drop_index('ix_case_files_case_sha', table_name='case_files')
    op.drop_table('case_files')  # its triggers go with it
