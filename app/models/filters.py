"""Saved case-list filters (工作台): a user's own, optionally shared with an org unit."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class SavedFilter(db.Model):
    __tablename__ = "saved_filters"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    # The case list's filters as a query string (state=…&overdue=true&sort=…), never the search text:
    # it only filters, inside each viewer's own scope, when opened.
    query: Mapped[str] = mapped_column(String(1000))
    # Shared with everyone whose scope meets this unit (None: the owner's alone).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    created_at: Mapped[datetime]

    user = relationship("User", lazy="joined")
    unit = relationship("OrgUnit", lazy="joined")
