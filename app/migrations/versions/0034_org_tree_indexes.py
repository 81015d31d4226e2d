"""The org tree indexed for the lookups a scope makes, which were sequential scans (a province: 42,000
units, 36,000 class teachers' grants; 3–15 ms each, several on every district dashboard):

- org_units.path for prefix search on PostgreSQL (varchar_pattern_ops): the plain index of 0001 serves
  equality only under the database's collation, not "units under this one". The pattern index serves
  equality as well, so it replaces it.
- org_units.parent_id: a unit's parts (the dashboard's rows).
- role_assignments.unit_id: the grants held in a set of units (a scope's class teachers).

Revision ID: 0034
Revises: 0033
"""
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_org_units_path_prefix", "org_units", ["path"], postgresql_ops={"path": "varchar_pattern_ops"})
    op.drop_index("ix_org_units_path", table_name="org_units")
    op.create_index("ix_org_units_parent_id", "org_units", ["parent_id"])
    op.create_index("ix_role_assignments_unit_id", "role_assignments", ["unit_id"])


def downgrade():
    op.drop_index("ix_role_assignments_unit_id", table_name="role_assignments")
    op.drop_index("ix_org_units_parent_id", table_name="org_units")
    op.create_index("ix_org_units_path", "org_units", ["path"])
    op.drop_index("ix_org_units_path_prefix", table_name="org_units")
