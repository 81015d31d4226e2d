"""cases.overdue: the case has an open deadline that has fallen due (level >= 1), kept by the deadline
service, so "overdue" is an indexed column instead of a join of the scope against every open deadline.

Set to true by the deadline action that makes a deadline overdue or escalates it (app/deadlines/actions.py),
in that action's transaction; cleared by the step that meets or cancels the case's last overdue deadline,
inside the step's own case UPDATE (baoxue_step here on PostgreSQL, app/engine/store.py on SQLite).
Existing cases are filled from their open deadlines.

Revision ID: 0026
Revises: 0025
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

WHERE = sa.text("overdue")
# The step's case UPDATE re-derives the flag only when it is set and the step closes deadlines: the
# CASE keeps the EXISTS off the path of every other step.
OVERDUE_AFTER_STEP = """fields = COALESCE(p_fields, fields),
           overdue = CASE WHEN overdue AND cardinality(p_closing) > 0 THEN EXISTS (
               SELECT 1 FROM deadlines d WHERE d.case_id = p_case AND d.status = 'open' AND d.level > 0
                  AND NOT d.id = ANY(p_closing)) ELSE overdue END
"""


def _step_0014() -> str:
    """The step function as migration 0014 defined it (the one this revision extends)."""
    spec = importlib.util.spec_from_file_location("m0014", Path(__file__).with_name("0014_any_subject.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STEP


def step_function() -> str:
    old = _step_0014()
    new = old.replace("fields = COALESCE(p_fields, fields)\n", OVERDUE_AFTER_STEP, 1)
    assert new != old, "0014's baoxue_step changed shape: update 0026"
    return new


def upgrade():
    op.add_column('cases', sa.Column('overdue', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE cases SET overdue = true WHERE id IN "
               "(SELECT case_id FROM deadlines WHERE status = 'open' AND level > 0)")
    op.create_index('ix_cases_overdue', 'cases', ['id'], postgresql_where=WHERE, sqlite_where=WHERE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(step_function())


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_step_0014())
    op.drop_index('ix_cases_overdue', table_name='cases', postgresql_where=WHERE, sqlite_where=WHERE)
    # plain ALTER on both (SQLite >= 3.35 drops a column in place): a batch copy of `cases` would trip
    # the foreign keys every other table holds to it
    op.execute("ALTER TABLE cases DROP COLUMN overdue")
