"""The reporting cadence: report_versions (a submitted report frozen, append-only) and unit_settings (a
number the bureau sets per unit: a county's report due day).

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

APPEND_ONLY = ("report_versions",)


def _pg_guards(table):
    # baoxue_append_only() is migration 0008's: one refusing function for every append-only table.
    return [f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION baoxue_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION baoxue_append_only()"]


def _sqlite_guards(table):
    return [f"""CREATE TRIGGER {table}_no_{op_.lower()} BEFORE {op_} ON {table}
               BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op_} refused'); END"""
            for op_ in ("UPDATE", "DELETE")]


def upgrade():
    op.create_table(
        'report_versions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('school_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=False),
        sa.Column('month', sa.String(7), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('frozen_at', sa.DateTime(), nullable=False),
        sa.Column('frozen_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('snapshot', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('checkpoint_hmac', sa.String(64), nullable=False),
        sa.UniqueConstraint('case_id', 'version', name='uq_report_versions_case_version'),
    )
    op.create_index('ix_report_versions_case_id', 'report_versions', ['case_id'])
    op.create_index('ix_report_versions_school_id', 'report_versions', ['school_id'])
    op.create_table(
        'unit_settings',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('org_units.id'), nullable=False),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('set_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('set_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('unit_id', 'name', name='uq_unit_settings_unit_name'),
    )
    pg = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        for statement in (_pg_guards if pg else _sqlite_guards)(table):
            op.execute(statement)


def downgrade():
    op.drop_table('unit_settings')
    op.drop_index('ix_report_versions_school_id', table_name='report_versions')
    op.drop_index('ix_report_versions_case_id', table_name='report_versions')
    op.drop_table('report_versions')
