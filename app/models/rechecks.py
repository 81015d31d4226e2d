"""The county's quarterly re-check draws (抽查复验): one row per district and quarter, append-only
(migration 0025). The unique (district, quarter) is what makes a second draw impossible, even two at once."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class RecheckDraw(db.Model):
    """Who drew, when, which quarter of which district, with what seed and share, out of how many pupils
    struck off, and the pupils drawn (ids, in the order drawn): enough to redo the draw and get the same."""
    __tablename__ = "recheck_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    quarter: Mapped[str] = mapped_column(String(7))        # YYYY-Qn
    seed: Mapped[int] = mapped_column(Integer)
    share: Mapped[int] = mapped_column(Integer)            # percent of the population, before the minimum
    population: Mapped[int] = mapped_column(Integer)       # pupils struck off in the quarter
    drawn: Mapped[list] = mapped_column(JSON)              # the pupil ids drawn
    drawn_at: Mapped[datetime]
    drawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drawn_by_name: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("district_id", "quarter", name="uq_recheck_draws_quarter"),)
