"""Indexes that serve the lists' sorts with the id as tie-breaker, so a page — the first or one reached
by an `after` cursor, at any depth — is an index walk in the list's order that stops after the page,
not a sort of the whole scope: cases by state, opened_on, escalation level, updated_at and the overdue
flag (each then id; the id sort itself is the primary key), a user's notifications newest first, the
access log newest first. A narrow scope (a school) is still found by its unit_path prefix index and
sorted in memory: its few hundred rows cost less than any walk.

Revision ID: 0030
Revises: 0029
"""
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_cases_sort_state", "cases", ["state", "id"]),
    ("ix_cases_sort_opened_on", "cases", ["opened_on", "id"]),
    ("ix_cases_sort_level", "cases", ["escalation_level", "id"]),
    ("ix_cases_sort_updated", "cases", ["updated_at", "id"]),
    ("ix_cases_sort_overdue", "cases", ["overdue", "id"]),
    ("ix_notifications_user_id_id", "notifications", ["user_id", "id"]),
    ("ix_access_log_at_id", "access_log", ["at", "id"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
