"""PostgreSQL: a step's writes as one server-side function (plans cached per connection).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Generic storage for the engine (app/engine/store.py): it names no workflow, only the engine's tables.
# The case UPDATE is guarded by the version and chain head the step read; if it matches nothing the
# function returns false and writes nothing else.
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
               closed_at = p_now, closed_by = p_action, next_action_at = NULL
         WHERE id = ANY(p_closing) AND status = 'open';
    END IF;
    IF json_array_length(p_opened) > 0 THEN
        INSERT INTO deadlines (case_id, clock, point, status, opened_at, due_at, remind_at, level, next_action_at)
        SELECT p_case, o.clock, o.point, 'open', p_now, o.due_at, o.remind_at, 0, o.next_action_at
          FROM json_to_recordset(p_opened)
            AS o(clock varchar, point integer, due_at timestamp, remind_at timestamp, next_action_at timestamp);
    END IF;
    RETURN true;
END
$$ LANGUAGE plpgsql;
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(STEP)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS baoxue_step(integer, integer, integer, varchar, integer, json, timestamp, "
                   "timestamp, json, boolean, integer, timestamp, integer, varchar, varchar, varchar, varchar, "
                   "varchar, json, varchar, varchar, integer[], integer[], json)")
