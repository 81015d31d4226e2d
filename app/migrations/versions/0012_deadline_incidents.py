"""Deadline action failures (incidents): a due action that raised is recorded, retried with back-off,
listed by `baoxue worker status` and the admin page, and resolved when it succeeds or the deadline
moves on. An operational table (rows are updated as attempts go on), not an audit table: who retried
an action by hand is an admin event.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'deadline_failures',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('deadline_id', sa.Integer(), sa.ForeignKey('deadlines.id'), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('action', sa.String(16), nullable=False),
        sa.Column('action_at', sa.DateTime(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('first_failed_at', sa.DateTime(), nullable=False),
        sa.Column('last_failed_at', sa.DateTime(), nullable=False),
        sa.Column('next_retry_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolution', sa.String(32), nullable=True),
        sa.Column('worker', sa.String(120), nullable=True),
        sa.UniqueConstraint('deadline_id', 'action', 'action_at', name='uq_deadline_failures_action'),
    )
    op.create_index('ix_deadline_failures_open', 'deadline_failures', ['deadline_id', 'resolved_at'])


def downgrade():
    op.drop_index('ix_deadline_failures_open', table_name='deadline_failures')
    op.drop_table('deadline_failures')
