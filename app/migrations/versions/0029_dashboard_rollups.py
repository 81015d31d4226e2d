"""dashboard_rollups: the dashboard's counts per unit (school and above), refreshed by the worker every
minute (app/reports/rollup.py), so the dashboard reads one row instead of scanning the unit's cases.
Starts empty: until the worker's first refresh the dashboard reads live and says so.

Revision ID: 0029
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dashboard_rollups',
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('org_units.id'), primary_key=True),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('as_of', sa.DateTime(), nullable=False),
        sa.Column('scope_counts', sa.Text(), nullable=False),
        sa.Column('own_counts', sa.Text(), nullable=False),
    )


def downgrade():
    op.drop_table('dashboard_rollups')
