"""The ledgers as SQL over the reader's scope (app.reports.reader): each a (rows, count) pair of
statements that the API, the page and the XLSX page through or read whole, and the counts in one
statement per ledger kind. Nothing is copied: a case that moves, a pupil imported, a register
re-imported shows in the next read.

Scope: a case by its unit path (case_filter), a pupil by their class's path, a household-register child
by the district's path (so only a reader over the whole district sees the children no school lists).
`school` (a school's code) narrows every ledger to one school; the register's children belong to none,
so a school's ledger has none of them."""
from datetime import date, datetime

from sqlalchemy import String, cast, false, func, literal, not_, null, select, true, union_all
from sqlalchemy.orm import aliased

from app.extensions import db
from app.errors import NotFound
from app.models import Case, CaseEvent, OrgUnit, Pupil, RegisterRow
from app.registers import age_window, school_year_of
from app.registers.compare import aged, not_enrolled
from app.reports import ON_LEDGER, counted, in_state_marked, is_confirmed
from app.ledgers import LEDGERS

_class, _grade, _school = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)


def check(ledger: str) -> str:
    if ledger not in LEDGERS:
        raise NotFound("没有这本台账 / no such ledger")
    return ledger


def _school_of(query, school: str):
    """The pupil's class -> grade -> school joined (class units sit under a grade under a school)."""
    query = (query.join(_class, _class.id == Pupil.class_id).join(_grade, _grade.id == _class.parent_id)
             .join(_school, _school.id == _grade.parent_id))
    return query.where(_school.code == school) if school else query


def school_age(view, today: date, school: str = ""):
    """(rows, count): the pupils of compulsory age, then the register's children not enrolled."""
    _, lo, hi = age_window(school_year_of(today))
    pupils = _school_of(select(
        literal("pupil").label("kind"), Pupil.id.label("ref"), Pupil.name.label("name"),
        Pupil.student_no.label("number"), Pupil.birth_date.label("birth_date"), _school.code.label("school"),
        _school.name.label("school_name"), _class.name.label("class_name"), Pupil.township.label("township"),
        Pupil.village.label("village")), school).where(view.unit_filter(_class.path), aged(Pupil.birth_date, lo, hi))
    district = aliased(OrgUnit)
    children = select(
        literal("not_enrolled"), RegisterRow.id, RegisterRow.name, RegisterRow.id_number, RegisterRow.birth_date,
        cast(null(), String), cast(null(), String), cast(null(), String), RegisterRow.township,
        RegisterRow.village).join(district, district.id == RegisterRow.district_id).where(
        RegisterRow.register == "household", view.unit_filter(district.path), aged(RegisterRow.birth_date, lo, hi),
        not_enrolled(RegisterRow), false() if school else true())
    both = union_all(pupils, children).subquery()
    rows = select(both).order_by(both.c.kind.desc(), both.c.school, both.c.class_name, both.c.name, both.c.ref)
    return rows, select(func.count()).select_from(both)


def _confirmed(ledger: str):
    """The bureau's confirmation (verify) splits the cases: confirmed, or (never verified) suspected."""
    return is_confirmed if ledger == "confirmed" else not_(func.coalesce(is_confirmed, false()))


def listed(view, ledger: str, school: str = ""):
    """(rows, count) of the suspected or confirmed ledger: open cases in an on_ledger state, by the
    bureau's confirmation."""
    confirmed = _confirmed(ledger)
    where = [view.case_filter(), counted(), Case.closed_at.is_(None), in_state_marked(ON_LEDGER), confirmed]
    rows = _school_of(select(Case, Pupil, _school.code, _school.name, _class.name)
                      .join(Pupil, Pupil.id == Case.pupil_id), school).where(*where)
    count = _school_of(select(func.count(Case.id)).select_from(Case).join(Pupil, Pupil.id == Case.pupil_id),
                       school).where(*where)
    return rows.order_by(_school.code, _class.name, Case.opened_on, Case.id), count


def struck(view, ledger: str, school: str = ""):
    """(rows, count) of the ledger's history (动态销号): every step that took a case out of an on_ledger
    state, with the case (its ledger by the bureau's confirmation), newest first."""
    where = _struck_where(view, ledger)
    base = lambda *cols: _school_of(select(*cols).select_from(CaseEvent).join(  # noqa: E731
        Case, Case.id == CaseEvent.case_id).join(Pupil, Pupil.id == Case.pupil_id), school).where(*where)
    rows = base(CaseEvent, Case, Pupil, _school.code, _school.name, _class.name).order_by(
        CaseEvent.at.desc(), CaseEvent.id.desc())
    return rows, base(func.count(CaseEvent.id))


def _struck_where(view, ledger: str | None) -> list:
    """The steps that took a case of `view`'s scope out of an on_ledger state (动态销号): of one ledger by
    the bureau's confirmation, or of either (None)."""
    where = [view.case_filter(), counted(), CaseEvent.to_state.is_not(None),
             in_state_marked(ON_LEDGER, CaseEvent.from_state), ~in_state_marked(ON_LEDGER, CaseEvent.to_state)]
    return where if ledger is None else where + [_confirmed(ledger)]


def struck_between(view, since: datetime, until: datetime, under: str):
    """The strike-offs of either ledger recorded in [since, until) (UTC) in the cases under the unit
    path `under`, as (pupil id, case id, step, event id) rows, oldest first (a pupil struck off twice
    in the period has two rows; the re-check draw keeps each pupil's last)."""
    return (select(Case.pupil_id, Case.id, CaseEvent.action, CaseEvent.id).select_from(CaseEvent)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(*_struck_where(view, None), Case.pupil_id.is_not(None), CaseEvent.at >= since, CaseEvent.at < until,
                   Case.unit_path.startswith(under, autoescape=True))
            .order_by(CaseEvent.id))


def school_age_count(view, today: date, school: str = "") -> int:
    return db.session.execute(school_age(view, today, school)[1]).scalar_one()


def counts(view, today: date, school: str = "") -> dict:
    """{ledger: entries now, ledger_struck: steps that struck a pupil off} for every ledger."""
    out = {"school_age": school_age_count(view, today, school)}
    for ledger in ("suspected", "confirmed"):
        out[ledger] = db.session.execute(listed(view, ledger, school)[1]).scalar_one()
        out[f"{ledger}_struck"] = db.session.execute(struck(view, ledger, school)[1]).scalar_one()
    return out
