"""四查三比对: the county's registers (户籍 school-age roster, 脱贫户 children), what each import did, the
mismatches the comparisons find, and the figures the "三统一" check compares with."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class RegisterRow(db.Model):
    """One child of a district's register snapshot: a new import of the same register replaces it."""
    __tablename__ = "register_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    register: Mapped[str] = mapped_column(String(16))      # household | poverty
    id_number: Mapped[str] = mapped_column(String(18))     # 公民身份号码 (upper case X)
    name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date]
    township: Mapped[str] = mapped_column(String(100), default="")
    village: Mapped[str] = mapped_column(String(100), default="")
    guardian: Mapped[str] = mapped_column(String(100), default="")
    line: Mapped[int] = mapped_column(default=0)            # the line of the file it came from

    __table_args__ = (UniqueConstraint("district_id", "register", "id_number", name="uq_register_rows_child"),)


class RegisterImport(db.Model):
    """One import of a register file: who, when, which file, and what it changed."""
    __tablename__ = "register_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    register: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    deleted: Mapped[int] = mapped_column(default=0)

    def to_dict(self) -> dict:
        return {"id": self.id, "register": self.register, "at": self.at.isoformat() + "Z", "actor": self.actor,
                "via": self.via, "filename": self.filename, "rows": self.rows, "inserted": self.inserted,
                "updated": self.updated, "deleted": self.deleted}


class Mismatch(db.Model):
    """A child one source lists and another does not (or lists twice): reviewable, not yet a case.

    Found again by every comparison run under (district, kind, id number), so its review stays; a run
    that no longer finds it sets resolved_at (never deletes it), a later run finding it again clears it."""
    __tablename__ = "register_mismatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[str] = mapped_column(String(24))
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None]
    township: Mapped[str] = mapped_column(String(100), default="")
    village: Mapped[str] = mapped_column(String(100), default="")
    guardian: Mapped[str] = mapped_column(String(100), default="")
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupils.id"))
    # The open case that makes the pupil "not in school" (a case exists already; a review links to it).
    known_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    found_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | case_opened | dismissed
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(32))
    receipt_no: Mapped[str | None] = mapped_column(String(64))
    evidence: Mapped[str | None] = mapped_column(String(2000))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("district_id", "kind", "id_number", name="uq_register_mismatches_child"),
                      Index("ix_register_mismatches_list", "district_id", "status", "township", "village"))


class RegisterFigures(db.Model):
    """The counts other offices report for a school year (三统一): 学籍 "其他离校" and the poverty office's."""
    __tablename__ = "register_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    school_year: Mapped[int]                                  # the year it starts (2026 = 2026-2027)
    xueji_other_left: Mapped[int | None]                      # 学籍系统 "其他离校"
    poverty_dropouts: Mapped[int | None]                      # 乡村振兴(扶贫)部门 count
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("district_id", "school_year", name="uq_register_figures_year"),)
