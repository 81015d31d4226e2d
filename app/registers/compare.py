"""The comparisons of 四查三比对 as set-based SQL: no child is looked at in Python.

Each kind is one INSERT ... SELECT into a temporary table of what this run finds (the children of
compulsory age on the cut-off day: app.registers.age_window):

- not_enrolled     适龄未入学: in the 户籍 register, no pupil registered under "G" + the ID number (nor
                   under it as a former number);
- not_in_school    学籍在但不在校: a pupil of the district whose open case is in a state the
                   definitions mark out_of_school (the cases are the truth of who is not in school);
- poverty_dropout  脱贫户辍学: on the 脱贫户 list and either not enrolled or out of school as above;
- duplicate        学籍重复: the same 18 characters after the kind letter under two or more pupils (a
                   G number and an L number for one child).

Then three statements bring register_mismatches in line with it: update the known ones whose data
changed (or that had been resolved and are found again), insert the new ones (open, unreviewed), and
mark resolved those not found any more. A known mismatch keeps its review; nothing is deleted; the
same run twice changes nothing the second time.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import and_, exists, func, literal, null, or_, select

from app import clock
from app.extensions import db
from app.models import Case, FormerNumber, Mismatch, OrgUnit, Pupil, RegisterRow
from app.registers import age_window
from app.reports import in_state_marked

_meta = sa.MetaData()
FOUND = sa.Table("register_found", _meta,
                 sa.Column("kind", sa.String(24), primary_key=True),
                 sa.Column("id_number", sa.String(18), primary_key=True),
                 sa.Column("name", sa.String(100)), sa.Column("birth_date", sa.Date),
                 sa.Column("township", sa.String(100)), sa.Column("village", sa.String(100)),
                 sa.Column("guardian", sa.String(100)), sa.Column("pupil_id", sa.Integer),
                 sa.Column("known_case_id", sa.Integer),
                 prefixes=["TEMPORARY"])
DATA = ("name", "birth_date", "township", "village", "guardian", "pupil_id", "known_case_id")


@dataclass
class Run:
    school_year: int
    cutoff: date
    found: int = 0
    new: int = 0
    changed: int = 0
    resolved: int = 0

    def to_dict(self) -> dict:
        return {"school_year": self.school_year, "cutoff": self.cutoff.isoformat(), "found": self.found,
                "new": self.new, "changed": self.changed, "resolved": self.resolved}


def _g(id_number):
    """The G 学籍号 of a resident ID number: how the roster names the child."""
    return literal("G") + id_number


def _body(student_no):
    return func.substr(student_no, 2, 18)


def aged(born, lo: date, hi: date):
    return and_(born > lo, born <= hi)


def _out_of_school_case(pupil_id):
    """The pupil's open case in a state marked out_of_school (a scalar subquery; NULL when none)."""
    return (select(func.min(Case.id)).where(Case.pupil_id == pupil_id, Case.closed_at.is_(None),
                                           in_state_marked("out_of_school")).scalar_subquery())


def _enrolled(id_number):
    """The pupil registered under the child's G number now or before (NULL when not enrolled)."""
    now = select(Pupil.id).where(Pupil.student_no == _g(id_number)).scalar_subquery()
    before = select(FormerNumber.pupil_id).where(FormerNumber.student_no == _g(id_number)).scalar_subquery()
    return func.coalesce(now, before)


def not_enrolled(row):
    """SQL: the register row's child is registered under no pupil's G number, now or before (the
    comparison's not_enrolled, and the school-age ledger's children not enrolled)."""
    return and_(~exists().where(Pupil.student_no == _g(row.id_number)),
                ~exists().where(FormerNumber.student_no == _g(row.id_number)))


def _selects(district: OrgUnit, lo: date, hi: date) -> list:
    h = sa.orm.aliased(RegisterRow)
    household = select(literal("not_enrolled"), h.id_number, h.name, h.birth_date, h.township, h.village,
                       h.guardian, null(), null()).where(
        h.district_id == district.id, h.register == "household", aged(h.birth_date, lo, hi), not_enrolled(h))

    # The district's pupils out of school, with the 户籍 row's place and guardian when it lists them.
    r = sa.orm.aliased(RegisterRow)
    # by the register's own key (district, register, id number): an index probe per pupil out of school
    place = and_(r.district_id == district.id, r.register == "household", r.id_number == _body(Pupil.student_no),
                 Pupil.student_no.startswith("G"))
    out = select(literal("not_in_school"), _body(Pupil.student_no), Pupil.name, Pupil.birth_date,
                 func.coalesce(r.township, Pupil.township), func.coalesce(r.village, Pupil.village),
                 func.coalesce(r.guardian, ""), Pupil.id, func.min(Case.id)).select_from(Case).join(
        Pupil, Pupil.id == Case.pupil_id).join(OrgUnit, OrgUnit.id == Pupil.class_id).outerjoin(r, place).where(
        Case.closed_at.is_(None), in_state_marked("out_of_school"),
        OrgUnit.path.startswith(district.path, autoescape=True), aged(Pupil.birth_date, lo, hi)).group_by(
        Pupil.id, Pupil.student_no, Pupil.name, Pupil.birth_date, r.township, Pupil.township, r.village,
        Pupil.village, r.guardian)

    v = sa.orm.aliased(RegisterRow)
    enrolled = select(v.id_number, v.name, v.birth_date, v.township, v.village, v.guardian,
                      _enrolled(v.id_number).label("pupil_id")).where(
        v.district_id == district.id, v.register == "poverty", aged(v.birth_date, lo, hi)).subquery()
    known = _out_of_school_case(enrolled.c.pupil_id)
    poverty = select(literal("poverty_dropout"), enrolled.c.id_number, enrolled.c.name, enrolled.c.birth_date,
                     enrolled.c.township, enrolled.c.village, enrolled.c.guardian, enrolled.c.pupil_id,
                     known).where(or_(enrolled.c.pupil_id.is_(None), known.is_not(None)))

    body = _body(Pupil.student_no)
    twice = select(literal("duplicate"), body, func.min(Pupil.name), func.min(Pupil.birth_date),
                   func.min(Pupil.township), func.min(Pupil.village), literal(""), func.min(Pupil.id),
                   null()).join(OrgUnit, OrgUnit.id == Pupil.class_id).where(
        OrgUnit.path.startswith(district.path, autoescape=True)).group_by(body).having(
        and_(func.count(Pupil.id) > 1, aged(func.min(Pupil.birth_date), lo, hi)))
    return [household, out, poverty, twice]


def compare(district: OrgUnit, school_year: int) -> Run:
    """Run every comparison for the district and bring its mismatches in line; one transaction."""
    cutoff, lo, hi = age_window(school_year)
    run = Run(school_year, cutoff)
    now = clock.now()
    conn = db.session.connection()
    conn.execute(sa.text("DROP TABLE IF EXISTS register_found"))
    FOUND.create(conn)
    for query in _selects(district, lo, hi):
        conn.execute(FOUND.insert().from_select([c.name for c in FOUND.columns], query))
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("ANALYZE register_found"))
    run.found = conn.execute(select(func.count()).select_from(FOUND)).scalar_one()

    m = Mismatch.__table__
    same_child = and_(m.c.district_id == district.id, m.c.kind == FOUND.c.kind, m.c.id_number == FOUND.c.id_number)
    differs = or_(m.c.resolved_at.is_not(None), *(m.c[k].is_distinct_from(FOUND.c[k]) for k in DATA))
    run.changed = conn.execute(m.update().where(same_child, differs).values(
        resolved_at=None, **{k: FOUND.c[k] for k in DATA})).rowcount
    fresh = select(literal(district.id), FOUND.c.kind, FOUND.c.id_number, *(FOUND.c[k] for k in DATA),
                   literal(now), literal("open")).where(~exists().where(same_child))
    known = select(func.count()).select_from(m).where(m.c.district_id == district.id)
    before = conn.execute(known).scalar_one()
    conn.execute(m.insert().from_select(["district_id", "kind", "id_number", *DATA, "found_at", "status"], fresh))
    run.new = conn.execute(known).scalar_one() - before  # an INSERT ... SELECT's rowcount is -1 through Core
    gone = ~exists().where(FOUND.c.kind == m.c.kind, FOUND.c.id_number == m.c.id_number)
    run.resolved = conn.execute(m.update().where(m.c.district_id == district.id, m.c.resolved_at.is_(None), gone)
                                .values(resolved_at=now)).rowcount
    FOUND.drop(conn)
    db.session.commit()
    return run
