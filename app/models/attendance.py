"""Attendance (考勤) and early warning (辍学预警): absences (never presences: a province has tens of
millions of pupil-days), the absence streaks that opened or met a case, the pupils who vanished from a
roster import, and the risk list (重点生) the nightly job keeps."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Absence(db.Model):
    """A pupil absent on a school day; re-marking the day updates the row (one per pupil and day)."""
    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    day: Mapped[date]
    excused: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by: Mapped[str] = mapped_column(String(64))  # username, or "cli"
    recorded_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("pupil_id", "day", name="uq_absences_pupil_day"),
                      Index("ix_absences_day", "day"))

    def to_dict(self) -> dict:
        return {"id": self.id, "student_id": self.pupil_id, "day": self.day.isoformat(), "excused": self.excused,
                "reason": self.reason, "recorded_by": self.recorded_by,
                "recorded_at": self.recorded_at.isoformat() + "Z"}


class AbsenceStreak(db.Model):
    """A run of consecutive unexcused school days that reached the threshold: it opened a case, or met
    the pupil's case already open. One per pupil and first day, so a streak is acted on once, even after
    its case is closed."""
    __tablename__ = "absence_streaks"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    first_day: Mapped[date]
    last_day: Mapped[date]           # extended while the run goes on
    detected_on: Mapped[date]        # the school day the streak reached the threshold
    days: Mapped[int]                # its length when acted on
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    opened_case: Mapped[bool] = mapped_column(Boolean, default=False)  # False: a case was open already
    at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("pupil_id", "first_day", name="uq_absence_streaks_pupil_first"),)


class RosterGap(db.Model):
    """A pupil of a class a roster import listed, missing from that import's file (no transfer or closure
    recorded): suspected of having left. Resolved when a later import lists the pupil again."""
    __tablename__ = "roster_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))
    since: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class RiskEntry(db.Model):
    """A pupil on the risk list (重点生) with the reasons, who tracks them, and since when. The nightly
    job keeps it; a pupil no longer at risk is cleared (kept with cleared_at, so who tracked them stays)."""
    __tablename__ = "risk_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), unique=True)
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # [{"kind": ..., ...}], sorted by kind
    tracker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the class teacher
    listed_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]

    pupil = relationship("Pupil", lazy="joined")
    tracker = relationship("User", lazy="joined")
