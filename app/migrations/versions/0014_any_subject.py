"""A case is about any subject, not only a pupil: cases.subject_key (with pupil_id now optional), the
day it counts from as opened_on (was detected_on), and the workflow's own fields (were the columns
reasons and confirmed) in cases.fields. One open case per (workflow, subject) replaces one per pupil.
The step function baoxue_step takes the fields (NULL: unchanged) instead of reasons and confirmed.

Existing cases become subject 'pupil:<pupil_id>', their reasons and confirmed flag move into fields.
No event is rewritten (the hashes cover events, not the case row), so the audit chain verifies as before;
deadlines are not touched.

Revision ID: 0014
Revises: 0013
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import context, op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OPEN = sa.text("closed_at IS NULL")

STEP = """
CREATE OR REPLACE FUNCTION baoxue_step(
    p_case integer, p_expected integer, p_prev_seq integer, p_state varchar, p_version integer, p_vars json,
    p_now timestamp, p_closed_at timestamp, p_fields json,
    p_seq integer, p_at timestamp, p_actor_id integer, p_actor varchar, p_role varchar, p_action varchar,
    p_from varchar, p_to varchar, p_data json, p_prev_hash varchar, p_hash varchar,
    p_met integer[], p_closing integer[], p_opened json) RETURNS boolean AS $$
BEGIN
    UPDATE cases SET state = p_state, version = p_version, vars = p_vars, updated_at = p_now,
           last_seq = p_seq, last_hash = p_hash, closed_at = COALESCE(p_closed_at, closed_at),
           fields = COALESCE(p_fields, fields)
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
_COMMON = ("integer, integer, integer, varchar, integer, json, timestamp, timestamp, {}, integer, timestamp, "
           "integer, varchar, varchar, varchar, varchar, varchar, json, varchar, varchar, integer[], integer[], json")
OLD_SIGNATURE = _COMMON.format("json, boolean")
NEW_SIGNATURE = _COMMON.format("json")

# (PostgreSQL, SQLite): the previous columns as the new fields, and back.
TO_FIELDS = ("json_build_object('reasons', reasons, 'confirmed', confirmed)",
             "json_object('reasons', json(reasons), 'confirmed', json(CASE WHEN confirmed THEN 'true' "
             "ELSE 'false' END))")
FROM_FIELDS = {"reasons": ("COALESCE(fields->'reasons', '[]'::json)",
                           "COALESCE(json_extract(fields, '$.reasons'), '[]')"),
               "confirmed": ("COALESCE((fields->>'confirmed')::boolean, false)",
                             "COALESCE(json_extract(fields, '$.confirmed'), 0)")}


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


@contextmanager
def _rebuilt_table():
    """On SQLite a batch rebuilds the table (create, copy, drop, rename). With foreign keys enforced the
    drop fails on the rows referring to the old table (events, deadlines...), and the pragma turning
    them off only takes effect outside a transaction: so the work so far is committed (SQLite runs
    migrations without transactional DDL anyway), the rebuild runs unchecked, and every reference is
    checked afterwards before the pragma is on again."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    raw = bind.connection.driver_connection
    raw.commit()
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        raw.commit()
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"rows referring to nothing after rebuilding cases: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _previous_step() -> str:
    # The step function as 0004 last defined it, read from that revision (not copied here).
    return context.script.get_revision('0004').module.STEP


def upgrade():
    pg = _pg()
    # Added in place first (a nullable column needs no table rebuild on SQLite), filled, then the one
    # batch below makes them NOT NULL and drops what they replace.
    op.add_column('cases', sa.Column('subject_key', sa.String(length=255), nullable=True))
    op.add_column('cases', sa.Column('fields', sa.JSON(), nullable=True))
    op.execute(f"UPDATE cases SET subject_key = 'pupil:' || pupil_id, fields = {TO_FIELDS[0 if pg else 1]}")
    with _rebuilt_table(), op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_open_per_pupil', postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.alter_column('subject_key', existing_type=sa.String(length=255), nullable=False)
        batch_op.alter_column('fields', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('pupil_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('detected_on', new_column_name='opened_on', existing_type=sa.Date(),
                              existing_nullable=False)
        batch_op.drop_column('reasons')
        batch_op.drop_column('confirmed')
        batch_op.create_index('uq_cases_open_per_subject', ['workflow', 'subject_key'], unique=True,
                              postgresql_where=OPEN, sqlite_where=OPEN)
    if pg:
        op.execute(f"DROP FUNCTION IF EXISTS baoxue_step({OLD_SIGNATURE})")
        op.execute(STEP)


def downgrade():
    """Back to one open case per pupil with reasons and confirmed as columns: only possible while every
    case is about a pupil (a case of another subject has nowhere to go in 0013)."""
    pg = _pg()
    others = op.get_bind().execute(sa.text("SELECT count(*) FROM cases WHERE pupil_id IS NULL")).scalar()
    if others:
        raise RuntimeError(f"{others} case(s) are not about a pupil: 0013 cannot hold them")
    op.add_column('cases', sa.Column('reasons', sa.JSON(), nullable=True))
    op.add_column('cases', sa.Column('confirmed', sa.Boolean(), nullable=True))
    op.execute("UPDATE cases SET " + ", ".join(f"{name} = {exprs[0 if pg else 1]}"
                                               for name, exprs in FROM_FIELDS.items()))
    with _rebuilt_table(), op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_open_per_subject', postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.alter_column('reasons', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('confirmed', existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column('pupil_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('opened_on', new_column_name='detected_on', existing_type=sa.Date(),
                              existing_nullable=False)
        batch_op.drop_column('fields')
        batch_op.drop_column('subject_key')
        batch_op.create_index('uq_cases_open_per_pupil', ['pupil_id'], unique=True,
                              postgresql_where=OPEN, sqlite_where=OPEN)
    if pg:
        op.execute(f"DROP FUNCTION IF EXISTS baoxue_step({NEW_SIGNATURE})")
        op.execute(_previous_step())
