"""The dashboard's counts per group of cases, in one pass per figure: the sufficient statistics that
app/reports/figures.py turns into the dashboard, as sums (app/reports/sums.py) so that groups add up.

A group is (unit id, also path): the school a case belongs to (or, for the register's children, the
district that keeps them) and the second unit path a transferred case is also visible from
(cases.also_unit_path, None for most). A reader over unit U counts a group when either lies under U,
which is exactly the scope test the live queries make (Actor.case_filter), so a rollup per unit can be
summed from the groups without counting a transferred case twice.

The same functions serve the live dashboard (`scope`: the reader's cases, `units`: the reader's
unit_filter) and the worker's refresh (every counted case, every unit): the figures are the same code.
"""
from datetime import date
from itertools import pairwise

from sqlalchemy import case, func, null, select, true
from sqlalchemy.orm import aliased

from app import clock
from app.attendance import outcome
from app.district.filters import overdue_clause
from app.extensions import db
from app.home_visits import counts as visit_counts
from app.models import Case, CaseEvent, OrgUnit, Pupil, RegisterRow
from app.registers import age_window, school_year_of
from app.registers.compare import aged, not_enrolled
from app.reports import (COUNTS_AS_DROPOUT, RETURNS_TO_SCHOOL, count_if, in_state_marked, is_confirmed, kpis,
                         month_start, reasons_text, school_year, semester, step_marked, utc_start)
from app.reports.sums import bump, merge
from forms.base import REASONS

TREND_MONTHS = 12
GROUP = (Case.school_id, Case.also_unit_path)


def everything(path_column):
    """The unit filter of a reader over every unit (the refresh)."""
    return true()


def months(today: date) -> list[date]:
    """The first days of the trend's 12 months (this one included) and of the month after."""
    return [month_start(today.year, today.month - TREND_MONTHS + 1 + i) for i in range(TREND_MONTHS + 1)]


def empty() -> dict:
    return {"states": {}, "opened": [0] * TREND_MONTHS, "closed": [0] * TREND_MONTHS,
            "returned": [0] * TREND_MONTHS, "reasons": [0] * len(REASONS), "kpis": kpis.empty(),
            "warning": outcome.empty(), "teacher_visits": {}, "visits": 0, "relapsed": {}, "dropout_classes": {},
            "school_age": 0}


def collect(scope, units, today: date) -> dict[tuple, dict]:
    """{(unit id, also path): counts} of the cases matching `scope` (a clause over Case) and the pupils,
    visits and register children under `units` (a path column -> clause function), on `today`."""
    groups: dict[tuple, dict] = {}

    def at(key) -> dict:
        key = tuple(key)
        if key not in groups:
            groups[key] = empty()
        return groups[key]

    sy_start, sy_end = school_year(today)
    in_school_year = Case.opened_on.between(sy_start, sy_end)
    is_open = Case.closed_at.is_(None)
    # per state: cases, confirmed, open, open by escalation level, open and overdue, detected this year
    for school, also, workflow, state, *counts in db.session.execute(
            select(*GROUP, Case.workflow, Case.state, func.count(Case.id), count_if(is_confirmed), count_if(is_open),
                   *[count_if(is_open & (Case.escalation_level == level)) for level in (1, 2, 3)],
                   count_if(is_open & overdue_clause(clock.now())), count_if(in_school_year))
            .where(scope).group_by(*GROUP, Case.workflow, Case.state)):
        at((school, also))["states"][f"{workflow}\t{state}"] = [int(v) for v in counts]
    _trend(at, scope, today, in_school_year)
    for key, s in kpis.stats(scope, sy_start, sy_end, today, by=GROUP).items():
        at(key)["kpis"] = s
    for key, s in outcome.stats(scope, sy_start, by=GROUP).items():
        at(key)["warning"] = s
    _visits(at, scope, units, today)
    _dropout_classes(at, units, sy_start, sy_end)
    _school_age(at, units, today)
    return groups


def _month_of(column, bounds):
    """The index i of the month [bounds[i], bounds[i + 1]) holding `column`, NULL outside them all: a
    CASE of comparisons with each month's bounds, exact and portable (event times are UTC and months
    are Shanghai months, so no date function of the database would do)."""
    return case((column < bounds[0], null()),
                *[(column < hi, i) for i, hi in enumerate(bounds[1:])], else_=null())


def _trend(at, scope, today: date, reasons_of) -> None:
    """Cases detected, re-enrolments and closures in each of the trend's months; and, from the same pass
    over the cases, the reasons of the cases matching `reasons_of` (several may apply to one case).

    The cases are counted per (month detected, month closed, reasons), the reasons being the text of
    the JSON list for a case matching `reasons_of` (NULL for the others). The list holds a code exactly
    when its text contains it in quotes ('"economic"'), tested here. The re-enrolments are events, by
    the return date (occurred_on), not by when they were typed, in a query of their own."""
    firsts = months(today)
    utc = [utc_start(d) for d in firsts]
    cases = (select(*GROUP, _month_of(Case.opened_on, firsts).label("opened"),
                    _month_of(Case.closed_at, utc).label("closed"),
                    case((reasons_of, reasons_text), else_=null()).label("reasons"))
             .where(scope, reasons_of | ((Case.opened_on >= firsts[0]) & (Case.opened_on < firsts[-1]))
                    | ((Case.closed_at >= utc[0]) & (Case.closed_at < utc[-1])))).subquery()
    c = cases.c
    quoted = [f'"{code}"' for code, _ in REASONS]
    for school, also, o, cl, text, n in db.session.execute(
            select(c.school_id, c.also_unit_path, c.opened, c.closed, c.reasons, func.count())
            .group_by(c.school_id, c.also_unit_path, c.opened, c.closed, c.reasons)):
        s = at((school, also))
        if o is not None:
            s["opened"][o] += n
        if cl is not None:
            s["closed"][cl] += n
        if text is not None:
            s["reasons"] = [total + n if code in text else total for total, code in zip(s["reasons"], quoted)]
    day = CaseEvent.occurred_on
    for school, also, *returned in db.session.execute(
            select(*GROUP, *[count_if((day >= lo) & (day < hi)) for lo, hi in pairwise(firsts)])
            .select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
            .where(scope, step_marked(RETURNS_TO_SCHOOL, CaseEvent.action), day >= firsts[0], day < firsts[-1])
            .group_by(*GROUP)):
        merge(at((school, also)), {"returned": [int(n) for n in returned]})


def _visits(at, scope, units, today: date) -> None:
    """Home visits this semester (the cases' visit steps and the register's visits, each stored once):
    per class teacher (their visits as class teacher) and in all; the pupils who relapsed this semester
    per class, with how many of them were visited at least twice since."""
    start, end = semester(today)
    for school_key, also, user_id, role, school_id, n in [
            *visit_counts.case_visits(scope, start, end, by=GROUP),
            *[(school, None, u, role, school, n) for u, role, school, n in
              visit_counts.register_visits(units, start, end)]]:
        s = at((school_key, also))
        if role == "class_teacher" and user_id is not None:
            bump(s["teacher_visits"], user_id, int(n))
        s["visits"] += int(n)
    for school, also, _pupil, path, _school, n in visit_counts.relapsed(scope, start, end, by=GROUP):
        merge(at((school, also))["relapsed"], {path: [1, int(n >= visit_counts.RELAPSE_VISITS_MIN)]})


def _dropout_classes(at, units, sy_start: date, sy_end: date) -> None:
    """无辍学班级's complement: the classes (by path) in which a dropout case was detected this school year
    (any case of the class, as its path says, whatever the reader's case scope)."""
    for school, path in db.session.execute(
            select(Case.school_id, Case.unit_path).distinct()
            .where(in_state_marked(COUNTS_AS_DROPOUT), Case.opened_on.between(sy_start, sy_end),
                   units(Case.unit_path))):
        at((school, None))["dropout_classes"][path] = 1


def _school_age(at, units, today: date) -> None:
    """适龄儿童台账's count: the pupils of compulsory age per school, the register's children not enrolled
    per district (app/ledgers/queries.py: school_age)."""
    _, lo, hi = age_window(school_year_of(today))
    klass, grade = aliased(OrgUnit), aliased(OrgUnit)
    for school, n in db.session.execute(
            select(grade.parent_id, func.count(Pupil.id)).join(klass, klass.id == Pupil.class_id)
            .join(grade, grade.id == klass.parent_id)
            .where(units(klass.path), aged(Pupil.birth_date, lo, hi)).group_by(grade.parent_id)):
        at((school, None))["school_age"] += int(n)
    for district, n in db.session.execute(
            select(RegisterRow.district_id, func.count(RegisterRow.id))
            .join(OrgUnit, OrgUnit.id == RegisterRow.district_id)
            .where(RegisterRow.register == "household", units(OrgUnit.path), aged(RegisterRow.birth_date, lo, hi),
                   not_enrolled(RegisterRow)).group_by(RegisterRow.district_id)):
        at((district, None))["school_age"] += int(n)


def total(groups) -> dict:
    """The counts of several groups summed."""
    out = empty()
    for s in groups:
        merge(out, s)
    return out
