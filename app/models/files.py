"""Evidence files a step carried: which case, which step (its event's seq), which file (its SHA-256;
the bytes live outside the database, app/evidence/files.py). Written in the step's own write, never
changed: the audit event holds the same facts under its hash."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class CaseFile(db.Model):
    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int]                      # the step's audit event
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    mime: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]

    __table_args__ = (Index("ix_case_files_case_sha", "case_id", "sha256"),)
