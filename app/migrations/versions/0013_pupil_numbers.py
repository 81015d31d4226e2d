"""Former 学籍号 of a pupil (an L or J number replaced by a G number): found again by import and search.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pupil_former_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('student_no', sa.String(length=32), nullable=False),
    sa.Column('replaced_by', sa.String(length=32), nullable=False),
    sa.Column('replaced_at', sa.DateTime(), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'],
                            name=op.f('fk_pupil_former_numbers_import_run_id_import_runs')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_pupil_former_numbers_pupil_id_pupils')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupil_former_numbers')),
    sa.UniqueConstraint('student_no', name=op.f('uq_pupil_former_numbers_student_no'))
    )
    with op.batch_alter_table('pupil_former_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupil_former_numbers_pupil_id'), ['pupil_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pupil_former_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pupil_former_numbers_pupil_id'))
    op.drop_table('pupil_former_numbers')
