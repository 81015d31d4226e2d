"""The reporting cadence: frozen versions of submitted reports (append-only, migration 0022) and the
per-unit settings the bureau sets."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ReportVersion(db.Model):
    """One submission of a report, frozen: the canonical snapshot (figures, the school's live counts,
    a signed checkpoint of its cases' chain heads) and its SHA-256. A correction is a new version."""
    __tablename__ = "report_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    version: Mapped[int] = mapped_column(Integer)
    frozen_at: Mapped[datetime]
    frozen_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The canonical JSON exactly as hashed: kept as text so the stored bytes are the hashed bytes.
    snapshot: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    checkpoint_hmac: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("case_id", "version", name="uq_report_versions_case_version"),)


class UnitSetting(db.Model):
    """A number the bureau sets for a unit and everything under it (a county's report due day)."""
    __tablename__ = "unit_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_unit_settings_unit_name"),)
