"""Who may write which pupils, and creating one pupil (POST /students).

The roster scope is the classes under the caller's school-admin / bureau-officer grants (everything
for the admin and the CLI operator). A pupil may be created or changed only inside it; a 学籍号 is
unique nationally, so a number registered anywhere is refused the same way whether or not the caller
may see that pupil — and when it is outside their scope, the attempt goes to the admin-event log.
"""
from dataclasses import dataclass

from sqlalchemy import or_, select, true
from sqlalchemy.exc import IntegrityError

from app.audit import history
from app.errors import Conflict
from app.extensions import db
from app.models import OrgUnit, Pupil
from app.models.pupils import mask_middle, numbered


ALREADY_REGISTERED = ("该学籍号已登记; 其他学校的学生须办理转学 / this 学籍号 is already registered; "
                      "a pupil from another school comes by transfer")


@dataclass(frozen=True)
class RosterScope:
    paths: tuple[str, ...] | None  # None: the whole district

    def sql(self, column_path):
        if self.paths is None:
            return true()
        return or_(*[column_path.startswith(p, autoescape=True) for p in self.paths])

    def covers(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(p) for p in self.paths)


EVERYWHERE = RosterScope(None)


def roster_scope(actor) -> RosterScope:
    if actor.has_role("admin"):
        return EVERYWHERE
    return RosterScope(tuple(g.path for g in actor.grants if g.role in ("school_admin", "bureau_officer")))


def school_of(path: str) -> str:
    """The school's path prefix of a class path: schools are the district's children (directory.py)."""
    return "/".join(path.split("/")[:3]) + "/"


def collision(student_no: str, scope: RosterScope, who: history.By, via: str) -> bool:
    """True if the number is registered (a pupil's, or one a pupil had before); one outside the scope is
    logged as an admin event."""
    row = db.session.execute(select(OrgUnit.path).join(Pupil, Pupil.class_id == OrgUnit.id)
                             .where(numbered(student_no))).first()
    if row is None:
        return False
    if not scope.covers(row.path):
        record_collision(student_no, who, via)
    return True


def record_collision(student_no: str, who: history.By, via: str) -> None:
    """Someone named a 学籍号 registered outside their scope: supervisors see each such attempt."""
    history.admin_event(who, "student_no_collision", f"学籍号 {mask_middle(student_no, 4, 4)}",
                        after={"student_no": student_no, "via": via})


def create_pupil(values: dict, class_code: str, scope: RosterScope, who: history.By) -> Pupil:
    """A new pupil and its 'created' event in one transaction, or Conflict: the same answer (and
    the same work for the caller to see) whether the number is in scope or elsewhere."""
    def refuse():
        db.session.commit()  # the collision's admin event, if any
        raise Conflict(ALREADY_REGISTERED, fields={"student_no": ALREADY_REGISTERED})

    if collision(values["student_no"], scope, who, "api:create_student"):
        refuse()
    pupil = Pupil(**values)
    db.session.add(pupil)
    history.pupil_event(pupil, who, "created", history.changes(None, history.pupil_snapshot(values, class_code)))
    try:
        db.session.commit()
    except IntegrityError:  # created meanwhile by another request: the same refusal
        db.session.rollback()
        collision(values["student_no"], scope, who, "api:create_student")
        refuse()
    return pupil
