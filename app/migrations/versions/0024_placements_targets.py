"""The bureau's targets per unit and school year (report_targets), and the monthly counts of pupils in
abnormal 学籍 status a school reports (status_counts). Placements need no table: they are cases.

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_targets',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=False),
        sa.Column('school_year', sa.Integer(), nullable=False),
        sa.Column('dropout_rate_max', sa.Float(), nullable=False),
        sa.Column('retention_rate_min', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(64), nullable=False),
        sa.UniqueConstraint('unit_id', 'school_year', name='uq_report_targets_year'),
    )
    op.create_table(
        'status_counts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('school_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=False),
        sa.Column('month', sa.String(7), nullable=False),
        sa.Column('abnormal', sa.Integer(), nullable=False),
        sa.Column('other_left', sa.Integer(), nullable=False),
        sa.Column('problem_records', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(64), nullable=False),
        sa.UniqueConstraint('school_id', 'month', name='uq_status_counts_month'),
    )


def downgrade():
    op.drop_table('status_counts')
    op.drop_table('report_targets')
