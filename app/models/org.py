"""The org tree: district bureau -> schools -> grades -> classes (and partner departments)."""
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class OrgUnit(db.Model):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # Materialised path "/1/4/9/": scope is a prefix test, one indexed LIKE instead of a tree walk.
    path: Mapped[str] = mapped_column(String(255), default="")
    enrolment: Mapped[int] = mapped_column(default=0)

    parent = relationship("OrgUnit", remote_side=[id])

    __table_args__ = (Index("ix_org_units_path_prefix", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)

    def covers(self, path: str) -> bool:
        return path.startswith(self.path)

    def school(self) -> "OrgUnit | None":
        unit = self
        while unit is not None and unit.kind != "school":
            unit = unit.parent
        return unit

    def to_dict(self) -> dict:
        return {"id": self.id, "code": self.code, "name": self.name, "kind": self.kind,
                "parent_id": self.parent_id, "enrolment": self.enrolment}


def path_ids(path: str | None) -> list[int]:
    """The unit ids of a materialised path "/1/4/9/", the unit itself last."""
    return [int(p) for p in path.strip("/").split("/") if p] if path else []


def at_or_above(path: str):
    """A WHERE clause: the unit is `path`'s own or one above it — by the ids the path names (its primary
    key). The same test as "path starts with the unit's path", which no index serves: a scan of a
    province's 42,000 units wherever a case's people are looked up."""
    return OrgUnit.id.in_(path_ids(path))
