"""Saved and shared case-list filters (工作台): saved_filters.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_filters',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('name', sa.String(60), nullable=False),
        sa.Column('query', sa.String(1000), nullable=False),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_saved_filters_user_id', 'saved_filters', ['user_id'])
    op.create_index('ix_saved_filters_unit_id', 'saved_filters', ['unit_id'])


def downgrade():
    op.drop_index('ix_saved_filters_unit_id', table_name='saved_filters')
    op.drop_index('ix_saved_filters_user_id', table_name='saved_filters')
    op.drop_table('saved_filters')
