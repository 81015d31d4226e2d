"""The cases' unit_path index carries the state (and, on PostgreSQL, the overdue flag and the id): the
case list counts its scope per state and picks a page's ids from it. Over a district's 20,000 cases an
index on unit_path alone meant reading each case's row — 14,000 table pages scattered over a province's
1,000,000 cases, about 50 ms for the count, and a deep page walked the id index through 500,000 rows —
where this index answers both by itself (index-only scans, 5–8 ms). It serves every prefix search the
old one did, so it replaces it.

Revision ID: 0032
Revises: 0031
"""
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_cases_unit_path_state", "cases", ["unit_path", "state"],
                    postgresql_ops={"unit_path": "varchar_pattern_ops"}, postgresql_include=["overdue", "id"])
    op.drop_index("ix_cases_unit_path", table_name="cases")


def downgrade():
    op.create_index("ix_cases_unit_path", "cases", ["unit_path"], postgresql_ops={"unit_path": "varchar_pattern_ops"})
    op.drop_index("ix_cases_unit_path_state", table_name="cases")
