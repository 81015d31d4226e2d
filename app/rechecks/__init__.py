"""The county's quarterly re-check (抽查复验) of the pupils struck off the dropout ledgers (动态销号).

Each quarter the bureau officer of a district draws a random share of the pupils struck off in that
quarter (the ledgers' strike-offs, app.ledgers.queries.struck_between, either ledger, by the day the
step was recorded in Beijing) and a `recheck` case is opened for each pupil drawn (workflows/recheck.py).

The draw is reproducible: the population is sorted by pupil id and sampled with Python's
random.Random(seed).sample; the seed, the share, the population count and the pupils drawn are kept in
recheck_draws (append-only, one row per district and quarter: a second draw is impossible) with an
admin event. Drawing again for the same quarter returns the earlier draw and opens any of its cases that
are missing (a draw interrupted after it was recorded is finished, never drawn anew).
"""
import math
import random
import secrets
from datetime import time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.audit import history
from app.deadlines import calendar
from app.engine import machine
from app.engine.operations import open_case
from app.errors import BaoxueError, Conflict, Invalid, NotFound, NotPermitted
from app.extensions import db
from app.ledgers import queries
from app.models import Case, OrgUnit, Pupil, RecheckDraw
from app.models.pupils import mask_name
from app.reports import reader
from app.reports.monthly import parse_period
from app.reports.targets import unit_in_scope

ROLES = ("bureau_officer",)    # who draws
SHARE = 10                     # percent of the quarter's struck-off pupils drawn, by default
MINIMUM = 5                    # at least this many (all of them when fewer)


def workflow():
    """The definition a draw opens its cases of: the one whose definition says so ("draws")."""
    found = next((d for d in machine.registered().values() if d.draws), None)
    if found is None:
        raise NotFound("没有抽查复验流程 / no workflow takes a re-check draw")
    return found


def quarter_of(value) -> tuple[str, object, object]:
    """'2026-Q4' -> (label, first day, last day); anything else is a 422 naming `quarter`."""
    label, first, last = parse_period(value if isinstance(value, str) else None, "quarter")
    if "Q" not in label:
        raise Invalid({"quarter": "须为 YYYY-Qn, 例如 2026-Q4 / must look like YYYY-Qn, e.g. 2026-Q4"})
    return label, first, last


def district_of(actor, code: str | None) -> OrgUnit:
    """The district drawn in: the one named (404 outside the actor's scope, 403 without the role), else
    the one district the actor is a bureau officer of."""
    if code:
        return unit_in_scope(actor, code, ROLES, ("district",), field="district")
    units = {a.unit.id: a.unit for a in actor.user.assignments if a.role in ROLES and a.unit.kind == "district"}
    if not units:
        raise NotPermitted("只有教育局工作人员可以抽查复验 / only the bureau officer draws re-checks",
                           roles_allowed=list(ROLES))
    if len(units) > 1:
        raise Invalid({"district": "须指定区县代码 / name the district"})
    return next(iter(units.values()))


def sample_size(population: int, share: int) -> int:
    return population if population <= MINIMUM else min(population, max(MINIMUM, math.ceil(population * share / 100)))


def sample(pupil_ids, seed: int, share: int) -> list[int]:
    """The pupils drawn, in the order drawn: the same for the same population, seed and share."""
    ordered = sorted(pupil_ids)
    return random.Random(seed).sample(ordered, sample_size(len(ordered), share))


def struck_off(actor, district: OrgUnit, first, last) -> dict:
    """{pupil id: (case id, step)} of the pupils struck off in the district between the two days (their
    last strike-off in the period), in one statement."""
    since, until = calendar.to_utc(first, time(0)), calendar.to_utc(last + timedelta(days=1), time(0))
    rows = db.session.execute(queries.struck_between(reader(actor), since, until, district.path)).all()
    return {pupil_id: (case_id, step) for pupil_id, case_id, step, _ in rows}


def _earlier(district: OrgUnit, quarter: str) -> RecheckDraw | None:
    return db.session.scalar(select(RecheckDraw).where(RecheckDraw.district_id == district.id,
                                                       RecheckDraw.quarter == quarter))


def _record(actor, district, quarter, seed, share, population, drawn) -> RecheckDraw | None:
    """The draw's row and its admin event, committed; None when another draw of the quarter won."""
    row = RecheckDraw(district_id=district.id, quarter=quarter, seed=seed, share=share, population=population,
                      drawn=drawn, drawn_at=clock.now(), drawn_by=actor.id, drawn_by_name=actor.username)
    db.session.add(row)
    history.admin_event(history.by(actor), "recheck_drawn", f"{district.code}:{quarter}",
                        after={"seed": seed, "share": share, "population": population, "drawn": drawn})
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return row


def draw(actor, quarter, district_code=None, share=None, seed=None, progress=None) -> tuple[dict, bool]:
    """(the quarter's draw as listing() shows it, whether it was drawn now). Opens one re-check case per
    pupil drawn as `actor`; `progress(n)` is told of each case opened."""
    district = district_of(actor, district_code)
    label, first, last = quarter_of(quarter)
    population = struck_off(actor, district, first, last)
    row, new = _earlier(district, label), False
    if row is None:
        share = SHARE if share is None else share
        seed = secrets.randbelow(2**31) if seed is None else seed
        row = _record(actor, district, label, seed, share, len(population), sample(population, seed, share))
        new = row is not None
        row = row or _earlier(district, label)
    _open_missing(actor, row, district, population, progress)
    return listing(actor, label, district.code), new


def _cases(row: RecheckDraw, district: OrgUnit) -> dict:
    """{pupil id: the re-check case the draw opened for them}: the first opened since the draw."""
    found = db.session.scalars(select(Case).where(
        Case.workflow == workflow().name, Case.pupil_id.in_(row.drawn), Case.opened_at >= row.drawn_at,
        Case.unit_path.startswith(district.path, autoescape=True)).order_by(Case.opened_at.desc(), Case.id.desc())).all()
    return {c.pupil_id: c for c in found}  # the earliest last, so it wins


def _open_missing(actor, row: RecheckDraw, district: OrgUnit, struck: dict, progress=None) -> None:
    have = _cases(row, district)
    today = calendar.local_date(clock.now()).isoformat()
    for pupil_id in row.drawn:
        if pupil_id not in have and pupil_id in struck:
            case_id, step = struck[pupil_id]
            drawn = {"pupil_id": pupil_id, "quarter": row.quarter, "case_id": case_id, "step": step}
            try:
                open_case(actor, workflow().draws["payload"](drawn, today), workflow().name)
            except Conflict:
                pass  # a re-check of this pupil is open already (an earlier quarter's): that one stands
            except BaoxueError:
                db.session.rollback()  # the pupil left the district's scope since: listed without a case
        if progress:
            progress(1)


def _draw_dict(row: RecheckDraw | None) -> dict | None:
    if row is None:
        return None
    return {"id": row.id, "quarter": row.quarter, "seed": row.seed, "share": row.share, "minimum": MINIMUM,
            "population": row.population, "drawn": list(row.drawn), "drawn_at": row.drawn_at.isoformat() + "Z",
            "drawn_by": row.drawn_by_name}


def listing(actor, quarter, district_code=None) -> dict:
    """The quarter's draw in the district and each check: the pupil (name masked), the case, its state
    and result."""
    district = district_of(actor, district_code)
    label = quarter_of(quarter)[0]
    row = _earlier(district, label)
    checks = []
    if row is not None:
        cases = _cases(row, district)
        pupils = {p.id: p for p in db.session.scalars(select(Pupil).where(Pupil.id.in_(row.drawn)))}
        defn = workflow()
        for pupil_id in row.drawn:
            case = cases.get(pupil_id)
            state = defn.states.get(case.state) if case else None
            checks.append({"pupil_id": pupil_id, "name": mask_name(pupils[pupil_id].name) if pupil_id in pupils else "",
                           "case_id": case.id if case else None, "state": case.state if case else None,
                           "state_zh": state.zh if state else None, "state_en": state.en if state else None,
                           "final": bool(state and state.final)})
    return {"quarter": label, "district": district.code, "district_name": district.name, "draw": _draw_dict(row),
            "checks": checks, "done": sum(c["final"] for c in checks)}
