"""Client keys of posted actions: a form posted twice (a queued offline home visit sent again, a double
click, a replay) is recorded once. One row per (case, client key), written in the step's own
transaction, so the database is the judge of "already done" (the unique constraint).

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'action_keys',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('client_key', sa.String(64), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('action', sa.String(64), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('case_id', 'client_key', name='uq_action_keys_case_key'),
    )
    op.create_index('ix_action_keys_user', 'action_keys', ['case_id', 'user_id'])


def downgrade():
    op.drop_index('ix_action_keys_user', table_name='action_keys')
    op.drop_table('action_keys')
