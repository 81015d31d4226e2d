"""dashboard_rollups.scope_brief / own_brief: each unit's counts without what only a table of schools
shows (each class teacher's visits, each class's relapses and dropouts). A province's dashboard, whose
rows are districts, read its own 1.5 MB of counts and 50 districts' 60 KB each on every request (about
40 ms of reading and parsing JSON); their briefs are a few KB. Empty until the next refresh (the
dashboard then reads the full counts, as before).

Revision ID: 0033
Revises: 0032
"""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dashboard_rollups') as batch:
        batch.add_column(sa.Column('scope_brief', sa.Text(), nullable=True))
        batch.add_column(sa.Column('own_brief', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('dashboard_rollups') as batch:
        batch.drop_column('own_brief')
        batch.drop_column('scope_brief')
