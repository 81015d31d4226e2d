"""Events say when things happened: case_events.occurred_on (the visit's date, the return date...),
which every figure counts by, besides `at` (when it was typed).

New events carry occurred_on in their hashed data and the column is its copy: on PostgreSQL a BEFORE
INSERT trigger copies it for the step function (baoxue_step, left unchanged), elsewhere the engine
inserts it. Existing events are backfilled from their own hashed data: the form's date field of the
action as the dropout definition declared it when this migration was written (else the Shanghai day
of `at`), so their hashes, which cover `data` and not the column, verify unchanged. case_events refuses
UPDATE (0001): the backfill runs with that trigger out of the way, inside this migration's transaction.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# action -> the form field naming its day (workflows/dropout.py "occurred_on", frozen here on purpose:
# a migration must mean the same thing whatever the definition later becomes).
EVENT_DATE = {"open": "detected_on", "report": "dropout_date", "log_visit": "visited_on",
              "log_joint_action": "acted_on", "re_enroll": "return_date", "log_follow_up": "checked_on",
              "relapse": "absent_since", "close_enrolled_elsewhere": "transfer_date",
              "close_special_placement": "placed_on"}

PG_FILL = """
CREATE OR REPLACE FUNCTION case_events_occurred_on() RETURNS trigger AS $$
BEGIN
    IF NEW.occurred_on IS NULL THEN
        NEW.occurred_on := COALESCE((NEW.data->>'occurred_on')::date,
                                    (NEW.at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai')::date);
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER case_events_occurred_on BEFORE INSERT ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_occurred_on();
"""
SQLITE_NO_UPDATE = """CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
       BEGIN SELECT RAISE(ABORT, 'case_events is append-only: UPDATE refused'); END"""


def _backfill(pg: bool) -> str:
    def form_date(field):
        return (f"NULLIF(data->'form'->>'{field}', '')::date" if pg
                else f"date(json_extract(data, '$.form.{field}'))")
    local_day = "(at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai')::date" if pg else "date(at, '+8 hours')"
    whens = " ".join(f"WHEN '{action}' THEN {form_date(field)}" for action, field in EVENT_DATE.items())
    return f"UPDATE case_events SET occurred_on = COALESCE(CASE action {whens} END, {local_day})"


def upgrade():
    pg = op.get_bind().dialect.name == "postgresql"
    # add_column only (no batch): SQLite adds a nullable column in place, keeping the table's triggers.
    op.add_column('case_events', sa.Column('occurred_on', sa.Date(), nullable=True))
    if pg:
        op.execute("ALTER TABLE case_events DISABLE TRIGGER case_events_append_only")
        op.execute(_backfill(pg))
        op.execute("ALTER TABLE case_events ENABLE TRIGGER case_events_append_only")
        op.execute(PG_FILL)
    else:
        op.execute("DROP TRIGGER IF EXISTS case_events_no_update")
        op.execute(_backfill(pg))
        op.execute(SQLITE_NO_UPDATE)
    op.create_index('ix_case_events_action_occurred', 'case_events', ['action', 'occurred_on', 'case_id'])


def downgrade():
    op.drop_index('ix_case_events_action_occurred', table_name='case_events')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_events_occurred_on ON case_events")
        op.execute("DROP FUNCTION IF EXISTS case_events_occurred_on()")
        op.drop_column('case_events', 'occurred_on')
    else:  # in place (SQLite >= 3.35): a batch rebuild would drop the append-only triggers
        op.execute("ALTER TABLE case_events DROP COLUMN occurred_on")
