"""users.must_change_password: set by an admin's password reset (a temporary password), cleared when
the user sets their own; until then every page leads to the change page and the API issues no token.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of users would trip the foreign keys
    # every other table holds to it.
    op.execute("ALTER TABLE users DROP COLUMN must_change_password")
