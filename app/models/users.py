"""Users, their role assignments (each bound to one org unit) and API tokens."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    # Bumped by logout, a password change, an idle expiry and deactivation: every session and
    # remember-me cookie carries the epoch it was made in (get_id), and an older one no longer loads.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When this user last made a page request (written at most once a minute): a remember-me
    # cookie arriving after the idle time has passed no longer logs in.
    last_seen_at: Mapped[datetime | None]
    # Set by an admin's reset (a temporary password the admin passed on): until the user sets their own,
    # every page leads to the change page and the API issues no token (migration 0016).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    assignments = relationship("RoleAssignment", back_populates="user", lazy="selectin",
                               cascade="all, delete-orphan")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch or 0}"

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated user's session stops working
        return self.active

    def to_dict(self) -> dict:
        return {"id": self.id, "username": self.username, "display_name": self.display_name,
                "roles": [a.to_dict() for a in self.assignments]}


class RoleAssignment(db.Model):
    __tablename__ = "role_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)

    user = relationship("User", back_populates="assignments")
    unit = relationship("OrgUnit", lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "role", "unit_id", name="uq_role_assignment"),)

    def to_dict(self) -> dict:
        return {"role": self.role, "unit": self.unit.code, "unit_name": self.unit.name}


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only the SHA-256 of the token is stored; the token itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user = relationship("User")

    def to_dict(self) -> dict:  # never the hash
        def iso(t):
            return t.isoformat() + "Z" if t else None
        return {"id": self.id, "created_at": iso(self.created_at), "expires_at": iso(self.expires_at),
                "last_used_at": iso(self.last_used_at), "revoked": self.revoked, "revoked_at": iso(self.revoked_at)}


class AuthEvent(db.Model):
    """Append-only log of logins, failures, logouts, tokens, password changes, idle expiries."""
    __tablename__ = "auth_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    # No foreign key action: the row is never updated, whatever becomes of the user.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64), default="")   # as typed, for failed logins too
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_auth_events_user_at", "user_id", "at"),
                      Index("ix_auth_events_username_at", "username", "at"),
                      Index("ix_auth_events_address_at", "address", "at"))

    def to_dict(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat() + "Z", "user_id": self.user_id, "username": self.username,
                "action": self.action, "outcome": self.outcome, "address": self.address,
                "user_agent": self.user_agent, "detail": self.detail or {}}
