"""Pupils (学生) on the roster, keyed by 学籍号."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models.org import OrgUnit

# Known risk flags (the risk list reads them): orphan 孤儿 and unsupported 事实无人抚养 came with 0018.
FLAGS = ("economic_hardship", "disability", "left_behind", "migrant", "orphan", "unsupported")


class Pupil(db.Model):
    __tablename__ = "pupils"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_no: Mapped[str] = mapped_column(String(32), unique=True)  # 学籍号
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(1))  # "M" / "F"
    birth_date: Mapped[date]
    class_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    guardians: Mapped[list] = mapped_column(JSON, default=list)  # [{name, phone, relation}]
    address: Mapped[str] = mapped_column(String(300), default="")
    township: Mapped[str] = mapped_column(String(100), default="")
    village: Mapped[str] = mapped_column(String(100), default="")
    economic_hardship: Mapped[bool] = mapped_column(Boolean, default=False)
    disability: Mapped[bool] = mapped_column(Boolean, default=False)
    left_behind: Mapped[bool] = mapped_column(Boolean, default=False)
    migrant: Mapped[bool] = mapped_column(Boolean, default=False)
    orphan: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    unsupported: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # 事实无人抚养

    klass = relationship("OrgUnit", lazy="joined")

    # Search by the beginning of a name (LIKE '王%') with an index whatever the collation (0006).
    __table_args__ = (Index("ix_pupils_name_prefix", "name", postgresql_ops={"name": "varchar_pattern_ops"}),)

    @property
    def school(self) -> OrgUnit | None:
        """The class's school. "7年级1班" exists in many schools, so every list names the school too. The
        class's path names it (…/school/grade/class, at whatever depth the tree has: a district's, a
        province's): a list that loaded its cases' schools (CARD_OPTIONS) finds it in the session's
        identity map and reads nothing more; otherwise the class's own walk up."""
        if self.klass is None:
            return None
        for part in reversed(self.klass.path.strip("/").split("/")[:-1]):
            unit = db.session.identity_map.get(identity_key(OrgUnit, int(part))) if part.isdigit() else None
            if unit is not None and unit.kind == "school":
                return unit
        return self.klass.school()

    def to_dict(self, *, masked: bool = True) -> dict:
        """Personal data is masked unless the caller needs it (PIPL: children's data is sensitive)."""
        d = {
            "id": self.id, "student_no": mask_middle(self.student_no, 4, 4) if masked else self.student_no,
            "name": mask_name(self.name) if masked else self.name, "gender": self.gender,
            "class": self.klass.code if self.klass else None,
            "class_name": self.klass.name if self.klass else None,
            "school_name": school.name if (school := self.school) is not None else None,
            "flags": {f: getattr(self, f) for f in FLAGS},
        }
        if not masked:
            d.update(birth_date=self.birth_date.isoformat(), guardians=self.guardians,
                     address=self.address, township=self.township, village=self.village)
        return d


class FormerNumber(db.Model):
    """A 学籍号 the pupil was known by before (an L or J number replaced by a G number, a corrected ID):
    an import or a search by it still finds the pupil, and no one else can be registered under it."""
    __tablename__ = "pupil_former_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    student_no: Mapped[str] = mapped_column(String(32), unique=True)
    replaced_by: Mapped[str] = mapped_column(String(32))  # the number that replaced it
    replaced_at: Mapped[datetime]
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))


def numbered(student_no: str, pupil_id=None):
    """Pupils registered under `student_no` now, or who were before (a former number): one condition for
    every search and collision check, so an old L/J number finds the same pupil everywhere.

    `pupil_id` is the column holding the pupil's id when the rows are not pupils (a case's pupil_id):
    then both numbers are looked up by their unique indexes, each an id set the column is tested
    against (an OR of the number with a pupils join was a scan of every pupil)."""
    former = select(FormerNumber.pupil_id).where(FormerNumber.student_no == student_no)
    if pupil_id is None:
        return or_(Pupil.student_no == student_no, Pupil.id.in_(former))
    return or_(pupil_id.in_(select(Pupil.id).where(Pupil.student_no == student_no)), pupil_id.in_(former))


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def mask_middle(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return value
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]
