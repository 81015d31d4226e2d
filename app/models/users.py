"""Users, their role assignments (each bound to one org unit) and API tokens."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

ROLES = ("class_teacher", "grade_leader", "school_admin", "bureau_officer", "bureau_head",
         "partner", "supervisor", "admin")

ROLE_LABELS = {
    "class_teacher": "班主任", "grade_leader": "包年级领导", "school_admin": "校长/控辍专干",
    "bureau_officer": "教育局控辍专干", "bureau_head": "教育局分管领导", "partner": "联合劝返成员单位",
    "supervisor": "督导/审计", "admin": "系统管理员",
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="zh")

    assignments = relationship("RoleAssignment", back_populates="user", lazy="selectin",
                               cascade="all, delete-orphan")

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
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))

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

    user = relationship("User")
