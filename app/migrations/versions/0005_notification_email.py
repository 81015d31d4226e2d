"""Email outbox: notifications remember whether they are to be, or were, sent by email.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_status', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('email_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('emailed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('email_error', sa.String(length=300), nullable=True))
    op.create_index('ix_notifications_email_pending', 'notifications', ['email_status'])


def downgrade():
    op.drop_index('ix_notifications_email_pending', table_name='notifications')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        for column in ('email_error', 'emailed_at', 'email_attempts', 'email_status'):
            batch_op.drop_column(column)
