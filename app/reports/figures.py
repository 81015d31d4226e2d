"""The dashboard: every figure the reports promise over the reader's scope, from counts that add up.

The counts (app/reports/stats.py: per school and state, per month, the working-day histograms, the
home visits...) are read either from the worker's rollup of the reader's unit (app/reports/rollup.py,
refreshed every minute) or live from the cases in a fixed number of aggregate queries; this module
turns either into the same dashboard, so the two cannot disagree but by the counts' age.
"""
import copy
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from app import clock
from app.attendance import outcome
from app.auth.actor import Grant
from app.errors import NotFound
from app.extensions import db
from app.models import OrgUnit, RoleAssignment, User
from app.reports import kpis, stats, targets as stored_targets
from app.reports import (
    COUNTS_AS_DROPOUT,
    ON_LEDGER,
    OUT_OF_SCHOOL,
    against_targets,
    counted,
    period_dict,
    rate,
    reader,
    reported_workflows,
    school_year,
    semester,
    state_has,
)
from app.reports.sums import merge
from forms.base import REASONS

ROW_KINDS = ("school",)


def dashboard(actor, today: date, live: bool = False, unit: str = "") -> dict:
    """The dashboard of `actor` (a report reader: see app.reports.reader) on `today` (local date).

    The counts are the worker's rollup of the reader's unit (app/reports/rollup.py) when it holds one
    for today no older than rollup.STALE_AFTER, else (or with `live`) the same counts read live from the
    cases; `as_of` says which: {"source": "rollup"|"live", "at": the counts' UTC time, "stale": a rollup
    that should have been there was missing or too old}.

    Definitions (app.reports, from the definitions' marks): a DROPOUT this school year is a case
    detected between 1 Sep and 31 Aug now in a state marked counts_as_dropout; the dropout rate 辍学率
    is dropouts / enrolment; retention 巩固率 is (enrolment - pupils out of school now) / enrolment,
    where "out of school" is an open case in a state marked out_of_school. Both are given against
    each row's targets this school year (app/reports/targets.py), and `targets` are the reader's own.
    `kpis` are the working-day medians and shares of app/reports/kpis.py. Only the cases of the
    workflows the reports count (app.reports.reported_workflows) are counted. Overdue: an open case
    flagged overdue by the deadline service. Reasons are counted over the cases detected this school year.

    The tables list the schools in scope, or, over a unit whose parts are not schools (a province of
    districts), those parts (`rows_by` says which: "school" or "unit"), each linking to its own
    dashboard: a province's 1,500 schools and 45,000 class teachers are no page; the per-teacher
    home-visit list is then left to the parts' dashboards. `unit` (a unit's code) narrows the dashboard
    to that part of the reader's scope (the drill-down); one outside it is not found.
    """
    from app.reports import rollup   # the rollup reads this module's row helpers
    view = narrowed(reader(actor), unit) if unit else reader(actor)
    counts = None if live else rollup.read(view, today)
    if counts is None:
        counts = live_counts(view, today, stale=not live and rollup.expected(view))
    return assemble(view, today, counts)


def narrowed(view, code: str):
    """`view` over only the unit `code`, which must lie in its scope (the drill-down of the tables)."""
    unit = db.session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()
    grant = next((g for g in view.grants if unit is not None and unit.path.startswith(g.path)), None)
    if grant is None or unit.kind in ("grade", "class"):
        raise NotFound("没有这个单位 / no such unit in your scope")
    narrow = copy.copy(view)
    narrow.grants = (Grant(grant.role, unit.id, unit.path),)
    return narrow


def live_counts(view, today: date, stale: bool = False) -> dict:
    """The counts of `view`'s scope read from the cases now, in the shape rollup.read gives."""
    at = clock.now()
    groups = stats.collect(and_(view.case_filter(), counted()), view.unit_filter, today)
    rows = row_units(view)
    paths = unit_paths({unit for unit, _ in groups})
    own = {r["id"]: stats.empty() for r in rows}
    for (unit, _also), s in groups.items():
        for r in rows:
            if paths.get(unit, "").startswith(r["path"]):
                merge(own[r["id"]], s)
                break
    return {"total": stats.total(groups.values()), "rows": [(r, own[r["id"]]) for r in rows],
            "as_of": {"source": "live", "at": at.isoformat(timespec="seconds") + "Z", "stale": stale}}


def unit_paths(ids) -> dict[int, str]:
    ids = [i for i in ids if i is not None]
    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.path).where(OrgUnit.id.in_(ids))).all()) if ids else {}


def single_unit(view):
    """The one unit (school or above) `view` reads over, or None (several grants, or below a school);
    looked up once per view (the rollup and the tables both ask)."""
    if "_single_unit" not in view.__dict__:
        view.__dict__["_single_unit"] = _single_unit(view)
    return view.__dict__["_single_unit"]


def _single_unit(view):
    paths = {g.path for g in view.grants}
    if len(paths) != 1:
        return None
    unit = db.session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.path)
                              .where(OrgUnit.path == paths.pop())).first()
    return unit if unit is not None and unit.kind not in ("grade", "class") else None


def row_units(view) -> list[dict]:
    """The dashboard's table rows: {id, code, name, kind, path, enrolment} of the schools in scope, or of
    the parts of the reader's one unit when those are not schools (enrolment: their schools' sum)."""
    schools = db.session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.path,
                                        OrgUnit.enrolment)
                                 .where(OrgUnit.kind == "school", view.unit_filter(OrgUnit.path))
                                 .order_by(OrgUnit.code)).all()
    unit = single_unit(view)
    if unit is None or unit.kind == "school":
        return [{**s._asdict()} for s in schools]
    parts = db.session.execute(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.path)
        .where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code)).all()
    if any(p.kind == "school" for p in parts):   # a district: its schools (departments hold none)
        return [{**s._asdict()} for s in schools]
    rows = [{**p._asdict(), "enrolment": 0, "schools": 0} for p in parts]
    # a school's row is the part its path continues by one unit (a lookup, not a test of every part:
    # a province's 1,500 schools × 50 districts)
    by_path, ends = {r["path"]: r for r in rows}, unit.path.count("/") + 1  # a part's path: one "/" more
    for s in schools:
        r = by_path.get(s.path[:_nth(s.path, "/", ends) + 1])
        if r is not None:
            r["enrolment"] += s.enrolment
            r["schools"] += 1
    return [r for r in rows if r.pop("schools")]


def _nth(text: str, char: str, n: int) -> int:
    """The index of the n-th (1-based) `char` in `text`, or -1."""
    at = -1
    for _ in range(n):
        at = text.find(char, at + 1)
        if at < 0:
            return -1
    return at


def assemble(view, today: date, counts: dict) -> dict:
    """The dashboard from the counts of the scope (`total`) and of each table row (`rows`)."""
    defns = reported_workflows()
    sy_start, sy_end = school_year(today)
    sem_start, sem_end = semester(today)
    total, rows = counts["total"], counts["rows"]
    by_school = all(r["kind"] == "school" for r, _ in rows)
    year_targets = stored_targets.for_paths({**{r["id"]: r["path"] for r, _ in rows},
                                             "own": stored_targets.own_path(view)}, sy_start.year)
    own_targets = year_targets["own"]

    def per_state(c: dict, workflow: str, name: str) -> list[int]:
        return c["states"].get(f"{workflow}\t{name}", [0] * 8)

    states = [{"state": name, "zh": st.zh, "en": st.en, "final": st.final,
               "count": per_state(total, d.name, name)[0], "confirmed": per_state(total, d.name, name)[1]}
              for d in defns for name, st in d.states.items()]
    open_states = list(dict.fromkeys(name for d in defns for name, st in d.states.items() if not st.final))

    open_by_school, overdue_by_school, rates, visits_by_school = [], [], [], []
    for r, c in rows:
        open_counts, levels, overdue, dropouts, out = {}, [0, 0, 0], 0, 0, 0
        for d in defns:
            for name in d.states:
                n, _, n_open, l1, l2, l3, late, this_year = per_state(c, d.name, name)
                if n_open:
                    open_counts[name] = open_counts.get(name, 0) + n_open
                levels = [a + b for a, b in zip(levels, (l1, l2, l3))]
                overdue += late
                if state_has(d.name, name, COUNTS_AS_DROPOUT):
                    dropouts += this_year
                if state_has(d.name, name, OUT_OF_SCHOOL):
                    out += n_open
        code, name, enrolment = r["code"], r["name"], r["enrolment"]
        open_by_school.append({"school": code, "name": name, "total": sum(open_counts.values()),
                               "by_state": {s: open_counts.get(s, 0) for s in open_states}})
        overdue_by_school.append({"school": code, "name": name, "level_1": levels[0], "level_2": levels[1],
                                  "level_3": levels[2], "overdue": overdue})
        dropout_rate, retention = rate(dropouts, enrolment), rate(enrolment - out, enrolment)
        rates.append({"school": code, "name": name, "enrolment": enrolment, "dropouts": dropouts,
                      "out_of_school": out, "dropout_rate": dropout_rate, "retention_rate": retention,
                      "targets": {k: year_targets[r["id"]][k] for k in stored_targets.SET},
                      **against_targets(dropout_rate, retention, year_targets[r["id"]])})
        visits_by_school.append({"school": code, "name": name, "visits": c["visits"],
                                 **_relapses(c["relapsed"].values())})

    # the suspected and confirmed ledgers (app/ledgers) by the states marked on_ledger: those states are
    # not final, so every case in one is open
    listed = [v[:2] for key, v in total["states"].items() if state_has(*key.split("\t"), ON_LEDGER)]
    ledgers = {"school_age": total["school_age"],
               "suspected": sum(n - c for n, c in listed), "confirmed": sum(c for _, c in listed)}
    firsts = stats.months(today)
    trend = [{"month": f"{d:%Y-%m}", "opened": o, "re_enrolled": r, "closed": c}
             for d, o, r, c in zip(firsts, total["opened"], total["returned"], total["closed"])]
    reasons = [{"code": code, "label": label, "count": n} for (code, label), n in zip(REASONS, total["reasons"])]
    return {
        "today": today.isoformat(),
        "as_of": counts["as_of"],
        "rows_by": "school" if by_school else "unit",
        "school_year": period_dict(sy_start, sy_end),
        "semester": period_dict(sem_start, sem_end),
        "targets": own_targets,
        "states": states,
        "totals": {"cases": sum(s["count"] for s in states),
                   "open": sum(s["count"] for s in states if not s["final"]),
                   "overdue": sum(o["overdue"] for o in overdue_by_school) if by_school
                   else sum(v[6] for v in total["states"].values())},
        "open_by_school": open_by_school,
        "overdue_by_school": overdue_by_school,
        "reasons": reasons,
        "trend": trend,
        "rates": rates,
        "ledgers": ledgers,
        "home_visits": _teachers(view, total, own_targets) if by_school else [],
        "home_visits_by_school": visits_by_school,
        "kpis": kpis.figures(total["kpis"]),
        "classes_without_dropout": _classes_without_dropout(view, rows, total) if by_school
        else _classes_per_unit(rows),
        "early_warning": outcome.figures(total["warning"]),
    }


def _teachers(view, total: dict, targets: dict) -> list[dict]:
    """Home visits this semester per class teacher (their visits as class teacher) against the
    standard, with the pupils of their classes who relapsed this semester and how many of them were
    visited at least twice since. Every class teacher of a class in scope is listed, those with no
    visit too (they matter most), and one who has since left the class but visited in it."""
    teachers = db.session.execute(
        select(User.id, User.username, User.display_name, OrgUnit.code, OrgUnit.path)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.role == "class_teacher", view.unit_filter(OrgUnit.path))
        .order_by(User.username, OrgUnit.code)).all()
    by_teacher = {int(k): v for k, v in total["teacher_visits"].items()}
    known = {t.id for t in teachers}
    extra = {u: (username, display_name) for u, username, display_name in db.session.execute(
        select(User.id, User.username, User.display_name).where(User.id.in_(set(by_teacher) - known)))}
    people: dict[int, dict] = {}
    for user_id, username, display_name, klass, path in teachers:
        person = people.setdefault(user_id, {"username": username, "display_name": display_name, "classes": [],
                                             "paths": [], "visits": 0})
        person["classes"].append(klass)
        person["paths"].append(path)
    for user_id, (username, display_name) in extra.items():
        people.setdefault(user_id, {"username": username, "display_name": display_name, "classes": [],
                                    "paths": [], "visits": 0})
    standard = targets["visits_per_semester_min"]
    out = []
    for user_id, p in sorted(people.items(), key=lambda kv: kv[1]["username"]):
        mine = [v for path, v in total["relapsed"].items() if path in p["paths"]]
        out.append({"username": p["username"], "display_name": p["display_name"],
                    "classes": p["classes"], "visits": by_teacher.get(user_id, 0), "standard": standard,
                    "meets_standard": by_teacher.get(user_id, 0) >= standard, **_relapses(mine)})
    return out


def _relapses(per_class) -> dict:
    """[relapsed pupils, of them visited at least twice] summed over classes."""
    per_class = list(per_class)
    return {"relapsed": sum(n for n, _ in per_class), "relapsed_visited": sum(v for _, v in per_class)}


def _classes_without_dropout(view, rows, total: dict) -> list[dict]:
    """无辍学班级: per school, the classes in scope with no dropout case detected this school year."""
    classes = _classes_with_schools(view)
    dropped = total["dropout_classes"]
    out: dict[str, dict] = {}
    for school_code, school_name, class_code, class_name, path in classes:
        entry = out.setdefault(school_code, {"school": school_code, "name": school_name, "classes": 0,
                                             "without_dropout": 0, "class_list": []})
        entry["classes"] += 1
        if path not in dropped:
            entry["without_dropout"] += 1
            entry["class_list"].append({"code": class_code, "name": class_name})
    return list(out.values())


def _with_dropout(counts: dict) -> int:
    """How many classes had a dropout case: counted in a rollup's brief, else the set's size."""
    return counts["dropout_class_count"] if "dropout_class_count" in counts else len(counts["dropout_classes"])


def _classes_with_schools(view) -> list[tuple]:
    """(school code, school name, class code, class name, class path) of the classes in scope, by
    school and class code. Looked up by ids, the grades and then their schools: joined, the planner
    hashed all of a province's 42,000 units for a district's 720 classes (15 ms, against 1)."""
    classes = db.session.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.path, OrgUnit.parent_id)
                                 .where(OrgUnit.kind == "class", view.unit_filter(OrgUnit.path))).all()
    grades = dict(db.session.execute(select(OrgUnit.id, OrgUnit.parent_id).where(
        OrgUnit.id.in_({c.parent_id for c in classes}))).all()) if classes else {}
    schools = {i: (code, name) for i, code, name in db.session.execute(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name).where(OrgUnit.id.in_(set(grades.values()))))} if grades else {}
    out = [(*schools[grades[c.parent_id]], c.code, c.name, c.path) for c in classes
           if grades.get(c.parent_id) in schools]
    return sorted(out, key=lambda row: (row[0], row[2]))


def _classes_per_unit(rows) -> list[dict]:
    """无辍学班级 per part of the scope (its counts, not its 1,000s of class names): the parts' classes
    read from the rollup, which counts them, or counted by their schools in one grouped query."""
    if rows and all("classes" in c for _r, c in rows):
        counts = [c["classes"] for _r, c in rows]
    else:
        grade, school = aliased(OrgUnit), aliased(OrgUnit)
        per_school = db.session.execute(
            select(school.path, func.count(OrgUnit.id))
            .join(grade, grade.id == OrgUnit.parent_id).join(school, school.id == grade.parent_id)
            .where(OrgUnit.kind == "class", or_(*[school.path.startswith(r["path"], autoescape=True) for r, _ in rows]))
            .group_by(school.path)).all() if rows else []
        counts = [sum(n for path, n in per_school if path.startswith(r["path"])) for r, _c in rows]
    return [{"school": r["code"], "name": r["name"], "classes": n, "without_dropout": n - _with_dropout(c),
             "class_list": []} for (r, c), n in zip(rows, counts)]
