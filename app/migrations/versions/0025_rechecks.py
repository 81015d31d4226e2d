"""The county's quarterly re-check draws (recheck_draws, append-only): one per district and quarter. The
re-checks themselves are cases of the recheck workflow and need no table.

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

TABLE = "recheck_draws"
# baoxue_append_only() is migration 0008's: one refusing function for every append-only table.
PG = [f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
      "FOR EACH ROW EXECUTE FUNCTION baoxue_append_only()",
      f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
      "FOR EACH STATEMENT EXECUTE FUNCTION baoxue_append_only()"]
SQLITE = [f"""CREATE TRIGGER {TABLE}_no_{op_.lower()} BEFORE {op_} ON {TABLE}
              BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {op_} refused'); END""" for op_ in ("UPDATE", "DELETE")]


def upgrade():
    op.create_table(
        TABLE,
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('district_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=False),
        sa.Column('quarter', sa.String(7), nullable=False),
        sa.Column('seed', sa.Integer(), nullable=False),
        sa.Column('share', sa.Integer(), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.Column('drawn', sa.JSON(), nullable=False),
        sa.Column('drawn_at', sa.DateTime(), nullable=False),
        sa.Column('drawn_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('drawn_by_name', sa.String(64), nullable=False),
        sa.UniqueConstraint('district_id', 'quarter', name='uq_recheck_draws_quarter'),
    )
    for statement in PG if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    op.drop_table(TABLE)
