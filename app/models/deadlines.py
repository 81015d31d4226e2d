"""Deadline rows: the truth about every clock (the RQ timers are only the alarm clock)."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Deadline(db.Model):
    __tablename__ = "deadlines"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    clock: Mapped[str] = mapped_column(String(48))
    point: Mapped[int] = mapped_column(default=0)  # index of the due point (follow-up checkpoints)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | met | cancelled
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]  # end of the due working day, Asia/Shanghai, stored as naive UTC
    remind_at: Mapped[datetime | None]
    level: Mapped[int] = mapped_column(default=0)  # escalation level reached (0 = not overdue)
    next_action: Mapped[str | None] = mapped_column(String(16))  # remind | due | escalate; None: nothing left
    next_action_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(48))  # the trigger that met/cancelled it

    case = relationship("Case", lazy="select", viewonly=True)  # pages only; the engine reads rows itself

    __table_args__ = (
        Index("ix_deadlines_due_open", "status", "next_action_at"),
        # "Has an overdue deadline" (case list, dashboard), probed per case from the index alone (0006).
        Index("ix_deadlines_open_case", "case_id", "due_at", "level",
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
    )

    def to_dict(self) -> dict:
        iso = lambda t: t.isoformat() + "Z" if t else None  # noqa: E731
        return {"id": self.id, "clock": self.clock, "point": self.point, "status": self.status,
                "due_at": iso(self.due_at), "remind_at": iso(self.remind_at), "level": self.level,
                "overdue": self.status == "open" and self.level > 0}
