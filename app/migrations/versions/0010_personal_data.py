"""Personal data: partner access ending with the joint-return stage, access log detail.

case_partners: an invitation now ends (ended_at, ended_by, end_reason: stage_ended | revoked) instead of
lasting for ever; the ended rows stay as the record of who could see the case and until when, so the
"one invitation per partner and case" rule holds for live invitations only (a partial unique index).
access_log: `what` was read (timeline, personal_data, export) beside `via` (which page or endpoint).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ended_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_partners_ended_by_users'), 'users', ['ended_by'], ['id'])
        batch_op.drop_constraint('uq_case_partner', type_='unique')
    op.create_index('uq_case_partner_live', 'case_partners', ['case_id', 'user_id'], unique=True,
                    postgresql_where=sa.text('ended_at IS NULL'), sqlite_where=sa.text('ended_at IS NULL'))
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('what', sa.String(length=32), nullable=False, server_default='personal_data'))
        batch_op.create_index('ix_access_log_at', ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_at')
        batch_op.drop_column('what')
    op.drop_index('uq_case_partner_live', table_name='case_partners')
    with op.batch_alter_table('case_partners', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_case_partner', ['case_id', 'user_id'])
        batch_op.drop_constraint(batch_op.f('fk_case_partners_ended_by_users'), type_='foreignkey')
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ended_by')
        batch_op.drop_column('ended_at')
