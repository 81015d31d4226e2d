"""The dashboard's rollup: its counts per unit (school and above), refreshed by the worker.

Refreshed, not kept by the step: a step stays a couple of round trips (its Python is being cut down),
and an incremental update would have to touch every figure a step can move (a state's counts at every
level, the trend, the working-day histograms, the home visits) inside its transaction. The refresh
instead recounts everything set-based (app/reports/stats.py: the same grouped queries the live
dashboard runs, over every counted case) every INTERVAL seconds, and replaces every row in one transaction:
idempotent, a second worker's run waits on the lock and finds nothing to change but the time.

Reading: a reader over one unit (school or above) gets its row and its table rows' rows if they were
counted for today less than STALE_AFTER ago; otherwise the dashboard reads live and says so.
"""
import json
import logging
from collections import Counter
from datetime import timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import aliased

from app import clock
from app.deadlines import calendar
from app.deadlines.sweeper import exclusive
from app.extensions import db
from app.models import DashboardRollup, OrgUnit
from app.models.org import path_ids
from app.reports import counted, figures, stats
from app.reports.sums import merge

log = logging.getLogger("baoxue.reports")
QUEUE = "baoxue-default"
# Seconds between refreshes (the worker's cron). A refresh of a 1,000,000-case province takes about 13 s
# (bench/province.py), so what the dashboard shows is at most INTERVAL + that, under a minute, old.
INTERVAL = 40
STALE_AFTER = timedelta(minutes=5)  # older than this, a rollup is the worker down: read live
LOCK_KEY = 0x6278_726F_6C6C       # "bxroll"
BELOW_SCHOOL = ("grade", "class")


def _json(counts: dict) -> str:
    return json.dumps(counts, separators=(",", ":"))


def brief(counts: dict) -> dict:
    """`counts` without what only a table of schools shows, for a reader whose rows are districts: each
    class teacher's visits left out, the relapses per class summed into one entry, the classes with a
    dropout counted (a province's counts: 1.5 MB of JSON, its brief a few KB)."""
    out = {k: v for k, v in counts.items() if k not in ("teacher_visits", "relapsed", "dropout_classes")}
    relapsed = list(counts.get("relapsed", {}).values())
    out["relapsed"] = {"*": [sum(n for n, _ in relapsed), sum(v for _, v in relapsed)]}
    out["dropout_class_count"] = len(counts.get("dropout_classes", ()))
    return out


def _classes_under(units: dict) -> Counter:
    """How many classes each unit (school and above) holds: the dashboard's 无辍学班级 per row of a
    province (its 36,000 classes joined to their schools on every request was 30–40 ms)."""
    grade = aliased(OrgUnit)
    per_school = db.session.execute(select(grade.parent_id, func.count(OrgUnit.id))
                                    .join(grade, grade.id == OrgUnit.parent_id)
                                    .where(OrgUnit.kind == "class").group_by(grade.parent_id)).all()
    out = Counter()
    for school_id, n in per_school:
        for u in path_ids(units.get(school_id)):
            if u in units:
                out[u] += n
    return out


def refresh() -> dict:
    """Recount every unit's rollup now (one transaction): {"units": n, "groups": n, "seconds": s}."""
    started = clock.now()
    today = calendar.local_date(started)
    groups = stats.collect(counted(), stats.everything, today)
    units = dict(db.session.execute(select(OrgUnit.id, OrgUnit.path).where(OrgUnit.kind.not_in(BELOW_SCHOOL))).all())
    scope = {u: stats.empty() for u in units}
    own = {u: stats.empty() for u in units}
    for (unit, also), s in groups.items():
        mine = [u for u in path_ids(units.get(unit)) if u in units]
        for u in mine:
            merge(own[u], s)
        # a transferred case is seen from both paths: once in each unit above either, never twice
        for u in dict.fromkeys(mine + [u for u in path_ids(also) if u in units]):
            merge(scope[u], s)
    classes = _classes_under(units)
    db.session.execute(delete(DashboardRollup))
    if units:
        db.session.execute(insert(DashboardRollup), [
            {"unit_id": u, "day": today, "as_of": started, "scope_counts": _json(scope[u]),
             "own_counts": _json(dict(own[u], classes=classes[u])),
             "scope_brief": _json(brief(scope[u])), "own_brief": _json(brief(dict(own[u], classes=classes[u])))}
            for u in units])
    db.session.commit()
    return {"units": len(units), "groups": len(groups),
            "seconds": round((clock.now() - started).total_seconds(), 3)}


def run_now() -> dict:
    """One refresh at a time across workers (an advisory lock on PostgreSQL): a second returns busy."""
    with exclusive(LOCK_KEY) as mine:
        if not mine:
            return {"busy": 1}
        return refresh()


def refresh_job() -> dict:
    """RQ entry point (the worker's cron enqueues it every INTERVAL seconds)."""
    from app.deadlines.timers import run_job
    return run_job(run_now, log, "dashboard rollup")


def expected(view) -> bool:
    """A rollup serves this reader (one unit, school or above): its absence is worth saying."""
    return figures.single_unit(view) is not None


def read(view, today) -> dict | None:
    """The counts of `view`'s scope from the rollup, in figures.live_counts' shape; None when the
    reader is not over one unit, or the rollup is missing, of another day or older than STALE_AFTER."""
    unit = figures.single_unit(view)
    if unit is None:
        return None
    rows = figures.row_units(view)
    # a table of schools shows every detail; a table of districts reads the briefs (absent before the
    # first refresh that wrote them: then the full counts)
    full = all(r["kind"] == "school" for r in rows)
    scope, own = ((DashboardRollup.scope_counts, DashboardRollup.own_counts) if full else
                  (func.coalesce(DashboardRollup.scope_brief, DashboardRollup.scope_counts),
                   func.coalesce(DashboardRollup.own_brief, DashboardRollup.own_counts)))
    mine = db.session.execute(select(DashboardRollup.day, DashboardRollup.as_of, scope.label("counts"))
                              .where(DashboardRollup.unit_id == unit.id)).first()
    if mine is None or mine.day != today or mine.as_of < clock.now() - STALE_AFTER:
        return None
    stored = dict(db.session.execute(select(DashboardRollup.unit_id, own)
                                     .where(DashboardRollup.unit_id.in_([r["id"] for r in rows]))).all()) if rows else {}
    if len(stored) != len(rows):
        return None   # a unit added since the refresh: its row would be missing
    return {"total": json.loads(mine.counts), "rows": [(r, json.loads(stored[r["id"]])) for r in rows],
            "as_of": {"source": "rollup", "at": mine.as_of.isoformat(timespec="seconds") + "Z", "stale": False}}
