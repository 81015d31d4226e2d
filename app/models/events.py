"""The audit trail: append-only, hash-chained per case. Written only by app.audit.chain.record()."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class CaseEvent(db.Model):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))  # username, or "system"
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(48))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The day the thing happened in the world (a visit's date, a return date), which the figures count
    # by; `at` is when it was recorded. A copy of data["occurred_on"] (hashed) for new events; events
    # older than migration 0011 have it from their form's date (see there). Filled on every insert.
    occurred_on: Mapped[date | None] = mapped_column(nullable=True)

    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),
        # One action on a range of days (every figure of the dashboard and the reports).
        Index("ix_case_events_action_occurred", "action", "occurred_on", "case_id"),
        # One action in a time window (the dashboard's trend and home visits); case_id covers the scope join (0006).
        Index("ix_case_events_action_at", "action", "at", "case_id"),
    )

    def to_dict(self) -> dict:
        return {"seq": self.seq, "at": self.at.isoformat() + "Z", "actor": self.actor, "role": self.role,
                "action": self.action, "from_state": self.from_state, "to_state": self.to_state,
                "occurred_on": self.occurred_on.isoformat() if self.occurred_on else None, "data": self.data, "prev_hash": self.prev_hash, "hash": self.hash}


class AccessLog(db.Model):
    """Who read a child's unmasked personal data or a case's timeline, when, and through what (PIPL).

    The child is a pupil, or a registry mismatch's child whom no school lists (no pupil yet)."""
    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupils.id"), index=True)
    mismatch_id: Mapped[int | None] = mapped_column(ForeignKey("register_mismatches.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    via: Mapped[str] = mapped_column(String(100))  # the page or endpoint: page:timeline, api:get_case, ...
    what: Mapped[str] = mapped_column(String(32), default="personal_data",
                                      server_default="personal_data")  # timeline | personal_data | export | file

    __table_args__ = (Index("ix_access_log_at", "at"), Index("ix_access_log_at_id", "at", "id"),  # newest first (0030)
                      CheckConstraint("pupil_id IS NOT NULL OR mismatch_id IS NOT NULL", name="subject"))
