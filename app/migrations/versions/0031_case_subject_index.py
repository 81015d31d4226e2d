"""An index on every case's (workflow, subject_key, id), closed cases included: the case page lists the
subject's other cases of the workflow (a pupil's earlier dropout cases), and the open-case unique index
(0014) holds only the open ones, so at a province's 1,000,000 cases that list was a sequential scan
(about 100 ms a page).

Revision ID: 0031
Revises: 0030
"""
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_cases_subject", "cases", ["workflow", "subject_key", "id"])


def downgrade():
    op.drop_index("ix_cases_subject", table_name="cases")
