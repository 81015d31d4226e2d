"""The early-warning indicators, each one set-based SQL statement over every pupil at once (never a
loop over pupils in Python): the school days of the window are a VALUES list the statement joins.

- streaks(): runs of consecutive unexcused school days absent (gaps and islands: a school day's
  number minus the row number of the pupil's absences is constant along a run), at least `min_days`
  long, ending inside the window.
- absence_rates(): absences (excused or not: chronic absence is a risk whatever the excuse) over the
  last `window` school days, for the pupils at or above the rate.
- flagged(), vanished(), relapsed(): the known risk flags, a pupil missing from a roster import, a
  pupil whose earlier case counted as a dropout.
"""
import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, literal, select, text
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Case, Pupil, RosterGap
from app.models.pupils import FLAGS
from app.reports import COUNTS_AS_DROPOUT, in_state_marked, reported_workflows


@dataclass(frozen=True)
class Streak:
    pupil_id: int
    first_day: date
    last_day: date
    days: int
    absence_ids: tuple = ()


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _day(name: str) -> str:
    """A date parameter as the dialect compares it with a date column (SQLite stores ISO text)."""
    return f"CAST(:{name} AS DATE)" if _postgres() else f":{name}"


def _school_days_cte(days: list[date]) -> tuple[str, dict]:
    """`sd(day, n)`: the window's school days numbered 0.., as a VALUES list (ISO dates as parameters)."""
    params = {f"d{i}": d.isoformat() for i, d in enumerate(days)}
    rows = ", ".join(f"({_day(f'd{i}')}, {i})" for i in range(len(days)))
    return f"sd(day, n) AS (VALUES {rows})", params


def streaks(days: list[date], min_days: int) -> list[Streak]:
    """Every run of at least `min_days` consecutive unexcused school days inside `days` (oldest
    first), with the absence rows it is made of."""
    if not days:
        return []
    cte, params = _school_days_cte(days)
    params.update(first=days[0].isoformat(), last=days[-1].isoformat(), min_days=min_days)
    agg = "string_agg(CAST(id AS TEXT), ',' ORDER BY n)" if _postgres() else "group_concat(id, ',')"
    sql = text(f"""
        WITH {cte},
        runs AS (
            SELECT a.id, a.pupil_id, a.day, sd.n,
                   sd.n - ROW_NUMBER() OVER (PARTITION BY a.pupil_id ORDER BY sd.n) AS grp
            FROM absences a JOIN sd ON sd.day = a.day
            WHERE a.excused = false AND a.day >= {_day("first")} AND a.day <= {_day("last")})
        SELECT pupil_id, MIN(day) AS first_day, MAX(day) AS last_day, COUNT(*) AS days, {agg} AS ids
        FROM runs GROUP BY pupil_id, grp HAVING COUNT(*) >= :min_days ORDER BY pupil_id, MIN(day)""")
    return [Streak(r.pupil_id, _as_date(r.first_day), _as_date(r.last_day), r.days,
                   tuple(int(i) for i in str(r.ids).split(",") if i))
            for r in db.session.execute(sql, params)]


def absence_rates(days: list[date], rate: float) -> dict[int, tuple[int, int]]:
    """{pupil id: (days absent, of them unexcused)} over `days`, for the pupils absent on at least
    `rate` of them."""
    if not days:
        return {}
    cte, params = _school_days_cte(days)
    params.update(min_days=max(1, math.ceil(rate * len(days) - 1e-9)))
    sql = text(f"""
        WITH {cte}
        SELECT a.pupil_id, COUNT(*) AS absent, SUM(CASE WHEN a.excused THEN 0 ELSE 1 END) AS unexcused
        FROM absences a JOIN sd ON sd.day = a.day
        GROUP BY a.pupil_id HAVING COUNT(*) >= :min_days""")
    return {r.pupil_id: (r.absent, int(r.unexcused or 0)) for r in db.session.execute(sql, params)}


def flagged(min_flags: int) -> dict[int, list[str]]:
    """{pupil id: [flag, ...]} for the pupils with at least `min_flags` known risk flags."""
    count = sum((func.coalesce(getattr(Pupil, f), False).cast(db.Integer) for f in FLAGS), literal(0))
    rows = db.session.execute(select(Pupil.id, *[getattr(Pupil, f) for f in FLAGS]).where(count >= min_flags))
    return {r[0]: [f for f, on in zip(FLAGS, r[1:]) if on] for r in rows}


def vanished() -> dict[int, date]:
    """{pupil id: since} for pupils missing from a roster import that no later import, open case or
    case closed since explains."""
    explained = select(Case.id).where(Case.pupil_id == RosterGap.pupil_id, (Case.closed_at.is_(None))
                                      | (Case.closed_at >= RosterGap.since)).exists()
    rows = db.session.execute(select(RosterGap.pupil_id, func.min(RosterGap.since))
                              .where(RosterGap.resolved_at.is_(None), ~explained).group_by(RosterGap.pupil_id))
    return {pid: _as_date(since) for pid, since in rows}


def relapsed() -> dict[int, int]:
    """{pupil id: closed case id} for pupils with no open case whose earlier case counted as a dropout
    (they left once: a relapse is the risk), from the definitions' marks. Only an open case the reports
    count (a dropout case) takes them off: a child in a placement (送教上门, 随班就读...) may leave again."""
    other = aliased(Case)
    open_case = select(other.id).where(other.pupil_id == Case.pupil_id, other.closed_at.is_(None),
                                       other.workflow.in_([d.name for d in reported_workflows()])).exists()
    rows = db.session.execute(select(Case.pupil_id, func.max(Case.id))
                              .where(Case.pupil_id.is_not(None), and_(Case.closed_at.is_not(None), in_state_marked(COUNTS_AS_DROPOUT)),
                                     ~open_case).group_by(Case.pupil_id))
    return dict(rows.all())
