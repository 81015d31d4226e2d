"""四查三比对: register snapshots (户籍, 脱贫户), their imports, the mismatches the comparisons find, and the
other offices' figures for the 三统一 check.

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'register_rows',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('district_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=False),
        sa.Column('register', sa.String(16), nullable=False),
        sa.Column('id_number', sa.String(18), nullable=False),
        sa.Column('name', sa.String(100), nullable=False),
        sa.Column('birth_date', sa.Date(), nullable=False),
        sa.Column('township', sa.String(100), nullable=False),
        sa.Column('village', sa.String(100), nullable=False),
        sa.Column('guardian', sa.String(100), nullable=False),
        sa.Column('line', sa.Integer(), nullable=False),
        sa.UniqueConstraint('district_id', 'register', 'id_number', name='uq_register_rows_child'),
    )
    op.create_table(
        'register_imports',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('district_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=False),
        sa.Column('register', sa.String(16), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(64), nullable=False),
        sa.Column('via', sa.String(16), nullable=False),
        sa.Column('filename', sa.String(255), nullable=False),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('inserted', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('deleted', sa.Integer(), nullable=False),
    )
    op.create_table(
        'register_mismatches',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('district_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=False),
        sa.Column('kind', sa.String(24), nullable=False),
        sa.Column('id_number', sa.String(18), nullable=False),
        sa.Column('name', sa.String(100), nullable=False),
        sa.Column('birth_date', sa.Date(), nullable=True),
        sa.Column('township', sa.String(100), nullable=False),
        sa.Column('village', sa.String(100), nullable=False),
        sa.Column('guardian', sa.String(100), nullable=False),
        sa.Column('pupil_id', sa.Integer(), sa.ForeignKey('pupils.id'), nullable=True),
        sa.Column('known_case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=True),
        sa.Column('found_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=True),
        sa.Column('reason', sa.String(32), nullable=True),
        sa.Column('receipt_no', sa.String(64), nullable=True),
        sa.Column('evidence', sa.String(2000), nullable=True),
        sa.Column('reviewed_by', sa.String(64), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('district_id', 'kind', 'id_number', name='uq_register_mismatches_child'),
    )
    op.create_index('ix_register_mismatches_list', 'register_mismatches',
                    ['district_id', 'status', 'township', 'village'])
    op.create_table(
        'register_figures',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('district_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=False),
        sa.Column('school_year', sa.Integer(), nullable=False),
        sa.Column('xueji_other_left', sa.Integer(), nullable=True),
        sa.Column('poverty_dropouts', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(64), nullable=False),
        sa.UniqueConstraint('district_id', 'school_year', name='uq_register_figures_year'),
    )


def downgrade():
    op.drop_table('register_figures')
    op.drop_index('ix_register_mismatches_list', table_name='register_mismatches')
    op.drop_table('register_mismatches')
    op.drop_table('register_imports')
    op.drop_table('register_rows')
