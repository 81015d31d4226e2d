"""What the bureau sets against the figures: the targets per unit and school year, and the monthly counts
of pupils in abnormal 学籍 status a school reports."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ReportTarget(db.Model):
    """The targets of a unit (a school, or a district for every school under it) for a school year;
    a school's own row wins over its district's, and without either the defaults hold."""
    __tablename__ = "report_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    school_year: Mapped[int]                          # the year it starts (2026 = 2026-2027)
    dropout_rate_max: Mapped[float]                   # a fraction: 0.015 = 1.5 %
    retention_rate_min: Mapped[float]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("unit_id", "school_year", name="uq_report_targets_year"),)


class StatusCount(db.Model):
    """A school's pupils in abnormal 学籍 status at the end of a month, as its monthly report gives
    them: of which 其他离校 (other departure) and 问题学籍 (problem records)."""
    __tablename__ = "status_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    month: Mapped[str] = mapped_column(String(7))     # YYYY-MM
    abnormal: Mapped[int]
    other_left: Mapped[int]
    problem_records: Mapped[int]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("school_id", "month", name="uq_status_counts_month"),)
