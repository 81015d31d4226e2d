"""Indexes the pages need at district scale (bench/web.py: 100,000 pupils, 20,000 cases).

- case_events (action, at, case_id): the dashboard's monthly re-enrolments and the semester's home
  visits pick one action in a time window; covering case_id lets the trend join to the scope from
  the index alone (was two parallel scans of every event).
- deadlines (case_id, due_at, level) WHERE status = 'open': "has an overdue deadline" (the case
  list's overdue column and filter, the dashboard's overdue counts) probed per case from the index.
- pupils (name varchar_pattern_ops): the case list's and the new-case form's search by the
  beginning of a name (LIKE '王%') can use an index whatever the database's collation.
- cases (unit_path varchar_pattern_ops) replaces the plain index: scope is a prefix test
  (LIKE '/1/4/%'), which a default-collation index cannot serve unless the collation is C; the
  pattern index serves that and the equality tests alike.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade():
    op.create_index('ix_case_events_action_at', 'case_events', ['action', 'at', 'case_id'])
    op.create_index('ix_deadlines_open_case', 'deadlines', ['case_id', 'due_at', 'level'],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_pupils_name_prefix', 'pupils', ['name'], postgresql_ops={'name': 'varchar_pattern_ops'})
    op.drop_index('ix_cases_unit_path', table_name='cases')
    op.create_index('ix_cases_unit_path', 'cases', ['unit_path'],
                    postgresql_ops={'unit_path': 'varchar_pattern_ops'})


def downgrade():
    op.drop_index('ix_cases_unit_path', table_name='cases')
    op.create_index('ix_cases_unit_path', 'cases', ['unit_path'])
    op.drop_index('ix_pupils_name_prefix', table_name='pupils')
    op.drop_index('ix_deadlines_open_case', table_name='deadlines', postgresql_where=OPEN, sqlite_where=OPEN)
    op.drop_index('ix_case_events_action_at', table_name='case_events')
