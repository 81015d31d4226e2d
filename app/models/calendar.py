"""Calendar overrides kept by the admin: a district's extra closures or make-up days, or next year's
official arrangement before the `chinesecalendar` package has it."""
from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class CalendarDay(db.Model):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "workday" | "holiday"
    note: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime]
