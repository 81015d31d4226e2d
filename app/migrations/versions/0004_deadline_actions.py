"""Deadline actions and notifications: each open deadline knows its next action (remind, due,
escalate) and when; users get an inbox. The step function learns the new column.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

STEP = """
CREATE OR REPLACE FUNCTION baoxue_step(
    p_case integer, p_expected integer, p_prev_seq integer, p_state varchar, p_version integer, p_vars json,
    p_now timestamp, p_closed_at timestamp, p_reasons json, p_confirmed boolean,
    p_seq integer, p_at timestamp, p_actor_id integer, p_actor varchar, p_role varchar, p_action varchar,
    p_from varchar, p_to varchar, p_data json, p_prev_hash varchar, p_hash varchar,
    p_met integer[], p_closing integer[], p_opened json) RETURNS boolean AS $$
BEGIN
    UPDATE cases SET state = p_state, version = p_version, vars = p_vars, updated_at = p_now,
           last_seq = p_seq, last_hash = p_hash, closed_at = COALESCE(p_closed_at, closed_at),
           reasons = COALESCE(p_reasons, reasons), confirmed = COALESCE(p_confirmed, confirmed)
     WHERE id = p_case AND version = p_expected AND last_seq = p_prev_seq;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO case_events (case_id, seq, at, actor_id, actor, role, action, from_state, to_state, data,
                             prev_hash, hash)
    VALUES (p_case, p_seq, p_at, p_actor_id, p_actor, p_role, p_action, p_from, p_to, p_data, p_prev_hash, p_hash);
    IF cardinality(p_closing) > 0 THEN
        UPDATE deadlines SET status = CASE WHEN id = ANY(p_met) THEN 'met' ELSE 'cancelled' END,
               closed_at = p_now, closed_by = p_action, next_action = NULL, next_action_at = NULL
         WHERE id = ANY(p_closing) AND status = 'open';
    END IF;
    IF json_array_length(p_opened) > 0 THEN
        INSERT INTO deadlines (case_id, clock, point, status, opened_at, due_at, remind_at, level, next_action,
                               next_action_at)
        SELECT p_case, o.clock, o.point, 'open', p_now, o.due_at, o.remind_at, 0, o.next_action, o.next_action_at
          FROM json_to_recordset(p_opened)
            AS o(clock varchar, point integer, due_at timestamp, remind_at timestamp, next_action varchar,
                 next_action_at timestamp);
    END IF;
    RETURN true;
END
$$ LANGUAGE plpgsql;
"""


def upgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_action', sa.String(length=16), nullable=True))
    op.execute("UPDATE deadlines SET next_action = CASE WHEN remind_at IS NOT NULL AND level = 0 THEN 'remind' "
               "ELSE 'due' END WHERE status = 'open'")
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('deadline_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.String(length=1000), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notifications_case_id_cases')),
        sa.ForeignKeyConstraint(['deadline_id'], ['deadlines.id'], name=op.f('fk_notifications_deadline_id_deadlines')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('deadline_id', 'kind', 'level', 'user_id', name='uq_notification_once'),
    )
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(STEP)


def downgrade():
    op.drop_index('ix_notifications_user_unread', table_name='notifications')
    op.drop_table('notifications')
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_column('next_action')
