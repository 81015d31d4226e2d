"""The ledgers as the API and the pages read them: one page, the counts, the XLSX. The reader is a report
reader (app.reports.reader: 403 for other roles) and sees their scope; a school outside it is 404."""
from dataclasses import dataclass

from app import clock
from app.deadlines import calendar
from app.district.filters import schools_in_scope
from app.errors import BadRequest, NotFound
from app.extensions import db
from app.models import OrgUnit
from app.ledgers import TITLES, entries, queries, sheet
from app.reports import reader
from app.web import paging

MAX_EXPORT = 20000  # one sheet's lines: a county's ledger is a few thousand


@dataclass
class Ask:
    """What a request asks of a ledger: which, of which school, the current entries or the history."""
    ledger: str
    school: str = ""
    history: bool = False


def ask(ledger: str, args) -> Ask:
    history = args.get("history", "")
    if history not in ("", "0", "1", "true", "false"):
        raise BadRequest("history 须为 0 或 1 / history must be 0 or 1", field="history")
    school = args.get("school", "")
    if len(school) > 64:
        raise BadRequest("school 过长 / school is too long", field="school")
    a = Ask(queries.check(ledger), school, history in ("1", "true"))
    if a.history and a.ledger == "school_age":
        raise BadRequest("适龄儿童台账没有销号记录 / the school-age ledger has no strike-offs", field="history")
    return a


def _view(actor, a: Ask):
    view = reader(actor)
    if a.school and a.school not in {s.code for s in schools_in_scope(view)}:
        raise NotFound("没有这所学校 / no such school")
    return view


def today():
    return calendar.local_date(clock.now())


def _query(view, a: Ask):
    if a.ledger == "school_age":
        return (*queries.school_age(view, today(), a.school), entries.school_age)
    if a.history:
        return (*queries.struck(view, a.ledger, a.school), entries.struck)
    return (*queries.listed(view, a.ledger, a.school), entries.listed)


def page(actor, a: Ask, number: int, per_page: int) -> dict:
    """{ledger, history, school, counts, items, page, per_page, total, pages}."""
    view = _view(actor, a)
    rows, count, render = _query(view, a)
    found, meta = paging.fetch(rows, count, number, per_page, scalars=False)
    return {"ledger": a.ledger, "history": a.history, "school": a.school or None,
            "counts": queries.counts(view, today(), a.school), "items": [render(r) for r in found], **meta}


def counts(actor, school: str = "") -> dict:
    a = Ask("school_age", school)
    return queries.counts(_view(actor, a), today(), school)


def _all(view, a: Ask) -> list[dict]:
    rows, _, render = _query(view, a)
    return [render(r) for r in db.session.execute(rows.limit(MAX_EXPORT)).all()]


def xlsx(actor, a: Ask) -> tuple[bytes, str]:
    """(the workbook, its file name): the ledger now, and its strike-offs on a second sheet."""
    view = _view(actor, a)
    unit = a.school and next(s.name for s in schools_in_scope(view) if s.code == a.school)
    unit = unit or "、".join(u.name for g in view.grants if (u := db.session.get(OrgUnit, g.unit_id)) is not None)
    current = _all(view, Ask(a.ledger, a.school))
    history = None if a.ledger == "school_age" else _all(view, Ask(a.ledger, a.school, True))
    body = sheet.workbook(TITLES[a.ledger], unit, actor.user.display_name or actor.user.username,
                          today().isoformat(), a.ledger, current, history)
    return body, f"{TITLES[a.ledger]}-{a.school or 'all'}-{today().isoformat()}"

