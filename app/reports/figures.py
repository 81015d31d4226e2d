"""The dashboard: every figure the reports promise over the reader's scope, in a fixed number of SQL queries.

Each figure is one aggregate (GROUP BY and conditional SUMs), so the cost does not grow with the
number of cases beyond the database's own scan; no case is loaded into Python. Only portable SQL
(CASE, EXISTS, LIKE, correlated subqueries) is used, so the same code runs on PostgreSQL and SQLite.
"""
from datetime import date
from itertools import pairwise

from sqlalchemy import and_, case, exists, func, null, select
from sqlalchemy.orm import aliased

from app import clock
from app.attendance.outcome import outcome
from app.district.filters import overdue_clause, schools_in_scope
from app.extensions import db
from app.home_visits import counts as visit_counts
from app.ledgers import queries as ledger_queries
from app.models import Case, CaseEvent, OrgUnit, RoleAssignment, User
from app.reports import kpis, targets as stored_targets
from app.reports import (
    COUNTS_AS_DROPOUT,
    ON_LEDGER,
    OUT_OF_SCHOOL,
    RETURNS_TO_SCHOOL,
    against_targets,
    count_if,
    counted,
    in_state_marked,
    is_confirmed,
    month_start,
    period_dict,
    rate,
    reader,
    reasons_text,
    reported_workflows,
    school_year,
    semester,
    state_has,
    step_marked,
    utc_start,
)
from forms.base import REASONS

TREND_MONTHS = 12


def dashboard(actor, today: date) -> dict:
    """The dashboard of `actor` (a report reader: see app.reports.reader) on `today` (local date).

    Definitions (app.reports, from the definitions' marks): a DROPOUT this school year is a case
    detected between 1 Sep and 31 Aug now in a state marked counts_as_dropout; the dropout rate 辍学率
    is dropouts / enrolment; retention 巩固率 is (enrolment - pupils out of school now) / enrolment,
    where "out of school" is an open case in a state marked out_of_school. Both are given against
    each school's targets this school year (app/reports/targets.py), and `targets` are the reader's own.
    `kpis` are the working-day medians and shares of app/reports/kpis.py. Only the cases of the workflows the reports count (app.reports.reported_workflows) are
    counted. Overdue: an open case with an open deadline past due (or already escalated).
    Reasons are counted over the cases detected this school year.

    The cases in scope are read twice: once per school and state (every count of the states, the
    schools and the rates: what depends on the state alone, dropouts and out of school, is summed
    here from the states), once per month (the trend's detected and closed series, with the reasons).
    """
    view = reader(actor)
    scope = and_(view.case_filter(), counted())
    defns = reported_workflows()
    sy_start, sy_end = school_year(today)
    in_school_year = Case.opened_on.between(sy_start, sy_end)
    is_open = Case.closed_at.is_(None)

    # 1. the schools in scope, and the targets each is held against this school year
    units = schools_in_scope(view)
    schools = [(s.id, s.code, s.name, s.enrolment) for s in units]
    year_targets = stored_targets.for_paths({**{s.id: s.path for s in units}, "own": stored_targets.own_path(view)},
                                            sy_start.year)
    own_targets = year_targets["own"]

    # 2. per school and state: cases, confirmed (the suspected/confirmed split the national ledgers
    # keep), open, open by escalation level, open and overdue, detected this school year
    overdue_deadline = overdue_clause(clock.now())
    by_state: dict[tuple, list[int]] = {}        # (workflow, state) -> [cases, confirmed]
    per_school: dict[int, dict] = {}             # school -> open by state, levels, overdue, dropouts, out
    for school_id, workflow, state, *counts in db.session.execute(
            select(Case.school_id, Case.workflow, Case.state, func.count(Case.id),
                   count_if(is_confirmed), count_if(is_open),
                   *[count_if(is_open & (Case.escalation_level == level)) for level in (1, 2, 3)],
                   count_if(is_open & overdue_deadline), count_if(in_school_year))
            .where(scope).group_by(Case.school_id, Case.workflow, Case.state)):
        n, confirmed, n_open, l1, l2, l3, overdue, this_year = (int(v) for v in counts)
        total = by_state.setdefault((workflow, state), [0, 0])
        total[0] += n
        total[1] += confirmed
        school = per_school.setdefault(school_id, {"open": {}, "levels": [0, 0, 0], "overdue": 0, "dropouts": 0,
                                                   "out": 0})
        if n_open:
            school["open"][state] = school["open"].get(state, 0) + n_open
        school["levels"] = [a + b for a, b in zip(school["levels"], (l1, l2, l3))]
        school["overdue"] += overdue
        if state_has(workflow, state, COUNTS_AS_DROPOUT):   # in_state_marked(COUNTS_AS_DROPOUT), by state
            school["dropouts"] += this_year
        if state_has(workflow, state, OUT_OF_SCHOOL):
            school["out"] += n_open
    states = [{"state": name, "zh": st.zh, "en": st.en, "final": st.final,
               "count": by_state.get((d.name, name), (0, 0))[0], "confirmed": by_state.get((d.name, name), (0, 0))[1]}
              for d in defns for name, st in d.states.items()]
    open_states = list(dict.fromkeys(name for d in defns for name, st in d.states.items() if not st.final))

    open_by_school, overdue_by_school, rates = [], [], []
    empty = {"open": {}, "levels": [0, 0, 0], "overdue": 0, "dropouts": 0, "out": 0}
    for school_id, code, name, enrolment in schools:
        school = per_school.get(school_id, empty)
        counts, (l1, l2, l3), dropouts, out = school["open"], school["levels"], school["dropouts"], school["out"]
        open_by_school.append({"school": code, "name": name, "total": sum(counts.values()),
                               "by_state": {s: counts.get(s, 0) for s in open_states}})
        overdue_by_school.append({"school": code, "name": name, "level_1": l1, "level_2": l2, "level_3": l3,
                                  "overdue": school["overdue"]})
        dropout_rate, retention = rate(dropouts, enrolment), rate(enrolment - out, enrolment)
        rates.append({"school": code, "name": name, "enrolment": enrolment, "dropouts": dropouts,
                      "out_of_school": out, "dropout_rate": dropout_rate, "retention_rate": retention,
                      "targets": {k: year_targets[school_id][k] for k in stored_targets.SET},
                      **against_targets(dropout_rate, retention, year_targets[school_id])})

    # the suspected and confirmed ledgers (app/ledgers) by the states marked on_ledger: those states are
    # not final, so every case in one is open
    listed = [v for (workflow, state), v in by_state.items() if state_has(workflow, state, ON_LEDGER)]
    ledgers = {"school_age": ledger_queries.school_age_count(view, today),
               "suspected": sum(n - c for n, c in listed), "confirmed": sum(c for _, c in listed)}

    trend, reasons = _trend(scope, today, reasons_of=in_school_year)
    sem_start, sem_end = semester(today)
    home_visits, home_visits_by_school = _home_visits(view, scope, sem_start, sem_end, schools, own_targets)
    return {
        "today": today.isoformat(),
        "school_year": period_dict(sy_start, sy_end),
        "semester": period_dict(sem_start, sem_end),
        "targets": own_targets,
        "states": states,
        "totals": {"cases": sum(s["count"] for s in states),
                   "open": sum(s["count"] for s in states if not s["final"]),
                   "overdue": sum(o["overdue"] for o in overdue_by_school)},
        "open_by_school": open_by_school,
        "overdue_by_school": overdue_by_school,
        "reasons": reasons,
        "trend": trend,
        "rates": rates,
        "ledgers": ledgers,
        "home_visits": home_visits,
        "home_visits_by_school": home_visits_by_school,
        "kpis": kpis.kpis(scope, sy_start, sy_end, today),
        "classes_without_dropout": _classes_without_dropout(view, sy_start, sy_end),
        "early_warning": outcome(scope, sy_start),
    }


def _month_of(column, bounds):
    """The index i of the month [bounds[i], bounds[i + 1]) holding `column`, NULL outside them all: a
    CASE of comparisons with each month's bounds, exact and portable (event times are UTC and months
    are Shanghai months, so no date function of the database would do)."""
    return case((column < bounds[0], null()),
                *[(column < hi, i) for i, hi in enumerate(bounds[1:])], else_=null())


def _trend(scope, today: date, reasons_of) -> tuple[list[dict], list[dict]]:
    """Cases detected, re-enrolments and closures in each of the last 12 months (this one included);
    and, from the same pass over the cases, the reasons of the cases matching `reasons_of` (several
    may apply to one case).

    The cases are counted per (month detected, month closed, reasons), the reasons being the text of
    the JSON list for a case matching `reasons_of` (NULL for the others): a few hundred groups. The
    list holds a code exactly when its text contains it in quotes ('"economic"'), tested here. The
    re-enrolments are events, in a query of their own."""
    firsts = [month_start(today.year, today.month - TREND_MONTHS + 1 + i) for i in range(TREND_MONTHS + 1)]
    utc = [utc_start(d) for d in firsts]
    cases = (select(_month_of(Case.opened_on, firsts).label("opened"),
                    _month_of(Case.closed_at, utc).label("closed"),
                    case((reasons_of, reasons_text), else_=null()).label("reasons"))
             .where(scope, reasons_of | ((Case.opened_on >= firsts[0]) & (Case.opened_on < firsts[-1]))
                    | ((Case.closed_at >= utc[0]) & (Case.closed_at < utc[-1])))).subquery()
    opened, closed, reasons = [0] * TREND_MONTHS, [0] * TREND_MONTHS, [0] * len(REASONS)
    quoted = [f'"{code}"' for code, _ in REASONS]
    for o, c, text, n in db.session.execute(
            select(cases.c.opened, cases.c.closed, cases.c.reasons, func.count())
            .group_by(cases.c.opened, cases.c.closed, cases.c.reasons)):
        if o is not None:
            opened[o] += n
        if c is not None:
            closed[c] += n
        if text is not None:
            reasons = [total + n if code in text else total for total, code in zip(reasons, quoted)]

    # Re-enrolments by the return date (occurred_on), not by when they were typed.
    day = CaseEvent.occurred_on
    returned = [int(n) for n in db.session.execute(
        select(*[count_if((day >= lo) & (day < hi)) for lo, hi in pairwise(firsts)])
        .select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
        .where(scope, step_marked(RETURNS_TO_SCHOOL, CaseEvent.action), day >= firsts[0], day < firsts[-1])).one()]
    trend = [{"month": f"{d:%Y-%m}", "opened": o, "re_enrolled": r, "closed": c}
             for d, o, r, c in zip(firsts, opened, returned, closed)]
    return trend, [{"code": code, "label": label, "count": n} for (code, label), n in zip(REASONS, reasons)]


def _home_visits(view, scope, start: date, end: date, schools: list, targets: dict) -> tuple[list[dict], list[dict]]:
    """Home visits this semester (app/home_visits: the cases' visit steps and the register's visits, each
    stored once), by the day each happened, whenever it was typed: per class teacher (their visits as
    class teacher) against the standard, and per school (every visit to its pupils); with the pupils who
    relapsed this semester and how many of them were visited at least twice in it, per class teacher
    (of the pupil's class) and per school.

    Every class teacher of a class in scope is listed, those with no visit too (they matter most)."""
    teachers = db.session.execute(
        select(User.id, User.username, User.display_name, OrgUnit.code, OrgUnit.path)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.role == "class_teacher", view.unit_filter(OrgUnit.path))
        .order_by(User.username, OrgUnit.code)).all()
    by_teacher: dict[int, int] = {}
    by_school: dict[int, int] = {}
    for user_id, role, school_id, n in [*visit_counts.case_visits(scope, start, end),
                                        *visit_counts.register_visits(view, start, end)]:
        if role == "class_teacher" and user_id is not None:
            by_teacher[user_id] = by_teacher.get(user_id, 0) + int(n)
        by_school[school_id] = by_school.get(school_id, 0) + int(n)
    relapsed = visit_counts.relapsed(scope, start, end)
    known = {t.id for t in teachers}
    extra = {u: (username, display_name) for u, username, display_name in db.session.execute(
        select(User.id, User.username, User.display_name).where(User.id.in_(set(by_teacher) - known)))}
    people: dict[int, dict] = {}
    for user_id, username, display_name, klass, path in teachers:
        person = people.setdefault(user_id, {"username": username, "display_name": display_name, "classes": [],
                                             "paths": [], "visits": 0})
        person["classes"].append(klass)
        person["paths"].append(path)
    for user_id, (username, display_name) in extra.items():  # a teacher who has since left the class counts too
        people.setdefault(user_id, {"username": username, "display_name": display_name, "classes": [],
                                    "paths": [], "visits": 0})
    standard = targets["visits_per_semester_min"]
    out = []
    for user_id, p in sorted(people.items(), key=lambda kv: kv[1]["username"]):
        mine = [n for _, path, _, n in relapsed if path in p["paths"]]
        out.append({"username": p["username"], "display_name": p["display_name"],
                    "classes": p["classes"], "visits": by_teacher.get(user_id, 0), "standard": standard,
                    "meets_standard": by_teacher.get(user_id, 0) >= standard, **_relapses(mine)})
    per_school = [{"school": code, "name": name, "visits": by_school.get(school_id, 0),
                   **_relapses([n for _, _, s, n in relapsed if s == school_id])}
                  for school_id, code, name, _ in schools]
    return out, per_school


def _relapses(visits: list[int]) -> dict:
    return {"relapsed": len(visits),
            "relapsed_visited": sum(1 for n in visits if n >= visit_counts.RELAPSE_VISITS_MIN)}


def _classes_without_dropout(view, sy_start: date, sy_end: date) -> list[dict]:
    """无辍学班级: per school, the classes in scope with no dropout case detected this school year."""
    grade, school = aliased(OrgUnit), aliased(OrgUnit)
    dropped = exists().where(Case.unit_path == OrgUnit.path, in_state_marked(COUNTS_AS_DROPOUT),
                             Case.opened_on.between(sy_start, sy_end)).label("dropped")
    rows = db.session.execute(
        select(school.code, school.name, OrgUnit.code, OrgUnit.name, dropped)
        .join(grade, grade.id == OrgUnit.parent_id).join(school, school.id == grade.parent_id)
        .where(OrgUnit.kind == "class", view.unit_filter(OrgUnit.path))
        .order_by(school.code, OrgUnit.code)).all()
    out: dict[str, dict] = {}
    for school_code, school_name, class_code, class_name, has_dropout in rows:
        entry = out.setdefault(school_code, {"school": school_code, "name": school_name, "classes": 0,
                                             "without_dropout": 0, "class_list": []})
        entry["classes"] += 1
        if not has_dropout:
            entry["without_dropout"] += 1
            entry["class_list"].append({"code": class_code, "name": class_name})
    return list(out.values())

