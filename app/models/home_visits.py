"""The home-visit register (家访登记表): a visit a teacher records for any pupil, with or without a case.

A dropout case's visit steps stay case events (the case's clocks and guards count them); the register
(app/home_visits) reads both, so a visit is stored once and never counted twice. Append-only (0023): a
wrong entry is corrected by a new one, as on paper."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class HomeVisit(db.Model):
    __tablename__ = "home_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    # the pupil's class and school when the visit was recorded: scope is a prefix test on the path
    unit_path: Mapped[str] = mapped_column(String(255))
    school_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    visited_on: Mapped[date]
    visitors: Mapped[list] = mapped_column(JSON, default=list)
    met_with: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(String(4000))
    situation: Mapped[str] = mapped_column(String(4000))
    next_step: Mapped[str] = mapped_column(String(4000), default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_role: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime]

    __table_args__ = (Index("ix_home_visits_recorder_day", "recorded_by", "visited_on"),
                      Index("ix_home_visits_unit_path", "unit_path",
                            postgresql_ops={"unit_path": "varchar_pattern_ops"}))
