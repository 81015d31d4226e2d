"""Append-only records of changes outside the case workflow: a pupil's history (each change with its
fields old -> new, and the import it came from) and the administrators' actions. The database refuses
UPDATE and DELETE on both (migration 0007); an import run may be completed once, then it is sealed."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class ImportRun(db.Model):
    """One roster import: who, when, which file; the counts are written once, when it finishes."""
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))  # username, or "cli" / "system"
    via: Mapped[str] = mapped_column(String(16))    # api / page / cli
    filename: Mapped[str] = mapped_column(String(255), default="")
    finished_at: Mapped[datetime | None]
    rows: Mapped[int | None]
    created: Mapped[int | None]
    updated: Mapped[int | None]
    unchanged: Mapped[int | None]
    failed: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(300))  # the file could not be read: why

    def to_dict(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat() + "Z", "actor": self.actor, "via": self.via,
                "filename": self.filename,
                "finished_at": self.finished_at.isoformat() + "Z" if self.finished_at else None,
                "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "failed": self.failed, "error": self.error}


class PupilEvent(db.Model):
    __tablename__ = "pupil_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # created / imported / updated
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # {field: [old, new]}
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))

    pupil = relationship("Pupil")
    import_run = relationship("ImportRun", lazy="joined")

    __table_args__ = (Index("ix_pupil_events_pupil_id_at", "pupil_id", "at"),)


class AdminEvent(db.Model):
    __tablename__ = "admin_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_admin_events_at", "at"), Index("ix_admin_events_action_at", "action", "at"),
                      Index("ix_admin_events_actor_at", "actor", "at"))
