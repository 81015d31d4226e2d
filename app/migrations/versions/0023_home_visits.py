"""The home-visit register (家访登记表): home_visits, a visit recorded for any pupil (a case's visit steps
stay case events; the register reads both). Append-only like the other record tables: UPDATE, DELETE
and (PostgreSQL) TRUNCATE refused by triggers, baoxue_append_only() of 0008 on PostgreSQL.

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

PG_UP = """
CREATE TRIGGER home_visits_append_only BEFORE UPDATE OR DELETE ON home_visits
    FOR EACH ROW EXECUTE FUNCTION baoxue_append_only();
CREATE TRIGGER home_visits_no_truncate BEFORE TRUNCATE ON home_visits
    FOR EACH STATEMENT EXECUTE FUNCTION baoxue_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER home_visits_no_update BEFORE UPDATE ON home_visits
       BEGIN SELECT RAISE(ABORT, 'home_visits is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER home_visits_no_delete BEFORE DELETE ON home_visits
       BEGIN SELECT RAISE(ABORT, 'home_visits is append-only: DELETE refused'); END""",
]


def upgrade():
    op.create_table(
        'home_visits',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('pupil_id', sa.Integer(), sa.ForeignKey('pupils.id'), nullable=False),
        sa.Column('unit_path', sa.String(255), nullable=False),
        sa.Column('school_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=False),
        sa.Column('visited_on', sa.Date(), nullable=False),
        sa.Column('visitors', sa.JSON(), nullable=False),
        sa.Column('met_with', sa.String(200), nullable=False),
        sa.Column('content', sa.String(4000), nullable=False),
        sa.Column('situation', sa.String(4000), nullable=False),
        sa.Column('next_step', sa.String(4000), nullable=False),
        sa.Column('recorded_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('recorded_role', sa.String(32), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_home_visits_pupil_id', 'home_visits', ['pupil_id'])
    op.create_index('ix_home_visits_recorder_day', 'home_visits', ['recorded_by', 'visited_on'])
    op.create_index('ix_home_visits_unit_path', 'home_visits', ['unit_path'],
                    postgresql_ops={'unit_path': 'varchar_pattern_ops'})
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_UP)
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade():
    op.drop_table('home_visits')  # its triggers go with it
