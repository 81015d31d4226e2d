"""Deadline actions that failed: one row per (deadline, action, time it was due), kept after it is resolved.

The sweep writes a row when an action raises (a bad row, a clock gone from the definition, a removed
user...) and leaves that action alone until `next_retry_at` (back-off); `baoxue worker status` and the
admin page list the unresolved ones. A later success, or the deadline moving on (met, cancelled,
re-timed), resolves it.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class DeadlineFailure(db.Model):
    __tablename__ = "deadline_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    action: Mapped[str] = mapped_column(String(16))        # remind | due | escalate
    action_at: Mapped[datetime]                             # the next_action_at it was due at
    error: Mapped[str] = mapped_column(Text)                # the exception's type and message (last attempt)
    attempts: Mapped[int] = mapped_column(default=1)
    first_failed_at: Mapped[datetime]
    last_failed_at: Mapped[datetime]
    next_retry_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(32))  # fired | moved_on | reminder_skipped ...
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid of the last attempt

    __table_args__ = (
        UniqueConstraint("deadline_id", "action", "action_at", name="uq_deadline_failures_action"),
        Index("ix_deadline_failures_open", "deadline_id", "resolved_at"),
    )

    def to_dict(self) -> dict:
        iso = lambda t: t.isoformat() + "Z" if t else None  # noqa: E731
        return {"id": self.id, "deadline_id": self.deadline_id, "case_id": self.case_id, "action": self.action,
                "action_at": iso(self.action_at), "error": self.error, "attempts": self.attempts,
                "first_failed_at": iso(self.first_failed_at), "last_failed_at": iso(self.last_failed_at),
                "next_retry_at": iso(self.next_retry_at), "resolved_at": iso(self.resolved_at),
                "resolution": self.resolution}
