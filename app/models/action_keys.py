"""The client keys of posted actions (migration 0017): which step a form with that key became.

A form carries a key its page (or the phone that kept it as a draft) made up; a second post with the
same key for the same case is the same action, answered as done instead of recorded twice. Written in
the step's transaction (app/engine/operations.py), unique per case.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ActionKey(db.Model):
    __tablename__ = "action_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    client_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]                      # the case event the action became
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("case_id", "client_key", name="uq_action_keys_case_key"),
        Index("ix_action_keys_user", "case_id", "user_id"),
    )
