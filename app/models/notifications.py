"""Notifications: each user's inbox (reminders, overdue work, escalations)."""
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, PrimaryKeyConstraint, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    kind: Mapped[str] = mapped_column(String(16))  # reminder | overdue | escalated
    level: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    # Email outbox (only when SMTP_URL is set and the user has an address): pending -> sent | failed.
    email_status: Mapped[str | None] = mapped_column(String(8))
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    emailed_at: Mapped[datetime | None]
    email_error: Mapped[str | None] = mapped_column(String(300))

    deadline = relationship("Deadline", lazy="select", viewonly=True)  # pages word the notice in the reader's language

    __table_args__ = (
        # One notice per user per deadline action: a timer that runs twice cannot notify twice.
        UniqueConstraint("deadline_id", "kind", "level", "user_id", name="uq_notification_once"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_email_pending", "email_status"),
        Index("ix_notifications_user_id_id", "user_id", "id"),  # a user's list, newest first (0030)
    )

    def to_dict(self) -> dict:
        iso = lambda t: t.isoformat() + "Z" if t else None  # noqa: E731
        return {"id": self.id, "case_id": self.case_id, "kind": self.kind, "level": self.level,
                "title": self.title, "body": self.body, "created_at": iso(self.created_at),
                "read_at": iso(self.read_at)}


# Notifications moved out of the inbox by `baoxue notifications archive` (app/partitions/archive.py):
# the same columns and ids, no constraint but the key (on PostgreSQL partitioned by month like the
# inbox, so that a month of it can be attached whole).
NotificationsArchive = Table(
    "notifications_archive", db.metadata,
    *(Column(c.name, c.type, nullable=c.nullable) for c in Notification.__table__.columns),
    PrimaryKeyConstraint("id", name="pk_notifications_archive"),
)
