"""The dashboard's counts per unit, refreshed by the worker every minute (app/reports/rollup.py)."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class DashboardRollup(db.Model):
    """One unit's counts (school and above) as of a refresh: `scope_counts` over every case the unit's
    readers see, `own_counts` over the cases of its own schools (its row in its parent's tables), both
    JSON of app/reports/sums.py's nested sums. `day` is the local day they were counted for (the
    school year, semester and trend months depend on it)."""
    __tablename__ = "dashboard_rollups"

    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    day: Mapped[date]
    as_of: Mapped[datetime]
    scope_counts: Mapped[str] = mapped_column(Text)
    own_counts: Mapped[str] = mapped_column(Text)
    # the same without what only a table of schools shows (app/reports/rollup.py brief()): what a reader
    # whose rows are districts reads
    scope_brief: Mapped[str | None] = mapped_column(Text)
    own_brief: Mapped[str | None] = mapped_column(Text)
