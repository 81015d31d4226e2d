"""Attendance and early warning: absences (one row per pupil and absent school day, never presences),
the absence streaks acted on, pupils missing from a roster import, the risk list (重点生), and two
more known risk flags on pupils: orphan (孤儿) and de-facto unsupported (事实无人抚养).

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, not a batch copy: copying pupils on SQLite trips the foreign keys other tables hold
    op.add_column('pupils', sa.Column('orphan', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('pupils', sa.Column('unsupported', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'absences',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('pupil_id', sa.Integer(), sa.ForeignKey('pupils.id'), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('excused', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(200), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), sa.ForeignKey('users.id')),
        sa.Column('recorded_by', sa.String(64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('pupil_id', 'day', name='uq_absences_pupil_day'),
    )
    op.create_index('ix_absences_day', 'absences', ['day'])
    op.create_table(
        'absence_streaks',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('pupil_id', sa.Integer(), sa.ForeignKey('pupils.id'), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('detected_on', sa.Date(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id')),
        sa.Column('opened_case', sa.Boolean(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('pupil_id', 'first_day', name='uq_absence_streaks_pupil_first'),
    )
    op.create_table(
        'roster_gaps',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('pupil_id', sa.Integer(), sa.ForeignKey('pupils.id'), nullable=False),
        sa.Column('import_run_id', sa.Integer(), sa.ForeignKey('import_runs.id'), nullable=False),
        sa.Column('since', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime()),
    )
    op.create_index('ix_roster_gaps_pupil_id', 'roster_gaps', ['pupil_id'])
    op.create_table(
        'risk_entries',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('pupil_id', sa.Integer(), sa.ForeignKey('pupils.id'), nullable=False, unique=True),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('tracker_id', sa.Integer(), sa.ForeignKey('users.id')),
        sa.Column('listed_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('cleared_at', sa.DateTime()),
    )


def downgrade():
    op.drop_table('risk_entries')
    op.drop_index('ix_roster_gaps_pupil_id', table_name='roster_gaps')
    op.drop_table('roster_gaps')
    op.drop_table('absence_streaks')
    op.drop_index('ix_absences_day', table_name='absences')
    op.drop_table('absences')
    # A plain DROP COLUMN (SQLite 3.35+ has it), for the same reason
    op.execute("ALTER TABLE pupils DROP COLUMN unsupported")
    op.execute("ALTER TABLE pupils DROP COLUMN orphan")
