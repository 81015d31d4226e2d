"""How fast cases move, in working days, from the case events: the median from detection to the report
(新上报), to the first home visit and to the return to school (复学); the share of dropouts back at
school within RETURN_WITHIN working days of detection; and the relapse rate RELAPSE_MONTHS after return.

Counted over the dropout cases (a state marked counts_as_dropout now, or ever reported) detected in the
school year. One query reads each case's first report, first visit, first return and first relapse after
it (the case joined to its marked events, grouped by case) and groups those by (detected, step day) pairs: the rows that reach Python are distinct
pairs of days (bounded by the days of a year squared, in practice a few hundred), never one per case.
A pair's working days are counted from one pass over the calendar between the earliest and latest day.
"""
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import Date, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from app.deadlines import calendar
from app.extensions import db
from app.models import Case, CaseEvent
from app.reports.sums import bump, merge
from app.reports import (COUNTS_AS_DROPOUT, HOME_VISIT, RELAPSE, REPORTS_DROPOUT, RETURNS_TO_SCHOOL,
                         in_state_marked, step_marked, step_names)

RETURN_WITHIN = 30   # working days from detection: 30 working days is the seeds' "within a month and a half"
RELAPSE_MONTHS = 3


class local_day(FunctionElement):
    """The Shanghai day of a stored (naive UTC) time, in SQL: Shanghai keeps UTC+8 all year."""
    type = Date()
    inherit_cache = True


@compiles(local_day)
def _local_day_default(element, compiler, **kw):
    return f"CAST(({compiler.process(element.clauses, **kw)} + INTERVAL '8 hours') AS DATE)"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


def _first(mark: str, day):
    """The earliest `day` of the joined case's events marked `mark` (an aggregate over the join)."""
    return func.min(day).filter(step_marked(mark, CaseEvent.action))


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


class _WorkingDays:
    """Working days between two days (after the first, up to and including the second), from cumulative
    counts over the span the pairs cover."""

    def __init__(self, days):
        days = [d for d in days if d is not None]
        self.start = min(days) if days else date.today()
        n, self.rank = 0, {}
        day = self.start
        end = max(days) if days else self.start
        while day <= end:
            n += calendar.is_workday(day)
            self.rank[day] = n
            day += timedelta(days=1)

    def between(self, a: date, b: date) -> int:
        return max(0, self.rank[b] - self.rank[a])


def _nth(histogram: Counter, k: int):
    """The k-th smallest value (0-based) of a histogram {value: how many}."""
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen > k:
            return value


def _median(histogram: Counter) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    return (_nth(histogram, (total - 1) // 2) + _nth(histogram, total // 2)) / 2


def kpis(scope, sy_start: date, sy_end: date, today: date) -> dict:
    """The working-day medians and shares over the cases matching `scope` detected in the school year."""
    return figures(merged(stats(scope, sy_start, sy_end, today).values()))


def stats(scope, sy_start: date, sy_end: date, today: date, by=()) -> dict:
    """{group: counts} over the cases matching `scope` detected in the school year, grouped by the
    columns `by` (none: one group, the key ()): the working-day spans as histograms {days: cases} and the
    shares' numerators and denominators, all of them sums, so the groups add up (app/reports/stats.py)."""
    report_day = _first(REPORTS_DROPOUT, local_day(CaseEvent.at))
    visit_day = _first(HOME_VISIT, CaseEvent.occurred_on)
    return_day = _first(RETURNS_TO_SCHOOL, CaseEvent.occurred_on)
    relapse_day = _first(RELAPSE, CaseEvent.occurred_on)
    # per case: d0 detected, d1 first report (the day typed), d2 first visit, d3 first return, d4 first
    # relapse. One pass: the cases joined to only their marked events, grouped by case. (A correlated
    # subquery per day and case probed every monthly partition of the events four times a case: at a
    # province's 400,000 cases a year that took minutes.)
    marked = step_names(REPORTS_DROPOUT, HOME_VISIT, RETURNS_TO_SCHOOL, RELAPSE)
    counts_as_dropout = in_state_marked(COUNTS_AS_DROPOUT)
    per_case = (select(*[col.label(f"g{i}") for i, col in enumerate(by)],
                       Case.opened_on.label("d0"), report_day.label("d1"), visit_day.label("d2"),
                       return_day.label("d3"), relapse_day.label("d4"))
                .select_from(Case)
                .outerjoin(CaseEvent, (CaseEvent.case_id == Case.id) & CaseEvent.action.in_(marked))
                .where(scope, Case.opened_on.between(sy_start, sy_end))
                .group_by(Case.id)  # the other columns are the case's: functionally dependent on its id
                .having(counts_as_dropout | report_day.isnot(None))).subquery()
    c = per_case.c
    group = [c[f"g{i}"] for i in range(len(by))]
    days = [c.d0, c.d1, c.d2, c.d3, c.d4]
    rows = [(tuple(r[:len(by)]), *(_as_date(v) for v in r[len(by):-1]), int(r[-1])) for r in db.session.execute(
        select(*group, *days, func.count()).group_by(*group, *days))]
    wd = _WorkingDays([d for r in rows for d in r[1:-1]] + [today])
    out: dict = {}
    for key, detected, reported, visited, back, again, n in rows:
        s = out.setdefault(key, empty())
        s["dropouts"] += n
        for name, day in (("to_report", reported), ("to_visit", visited), ("to_return", back)):
            if day is not None and day >= detected:
                bump(s[name], wd.between(detected, day), n)
        if back is not None and back >= detected and wd.between(detected, back) <= RETURN_WITHIN:
            s["returned_soon"] += n
        if back is not None and calendar.add_months(back, RELAPSE_MONTHS) <= today:
            s["back_long_enough"] += n
            if again is not None and again >= back and again <= calendar.add_months(back, RELAPSE_MONTHS):
                s["relapsed"] += n
    return out


def empty() -> dict:
    return {"to_report": {}, "to_visit": {}, "to_return": {}, "dropouts": 0, "returned_soon": 0,
            "back_long_enough": 0, "relapsed": 0}


def merged(groups) -> dict:
    out = empty()
    for s in groups:
        merge(out, s)
    return out


def histogram(counts: dict) -> Counter:
    """A histogram stored with text keys (JSON's) as {int: n}."""
    return Counter({int(k): v for k, v in counts.items()})


def figures(s: dict) -> dict:
    """The medians and shares of summed counts (stats())."""
    dropouts, returned_soon, back_long_enough, relapsed = (s[k] for k in ("dropouts", "returned_soon",
                                                                          "back_long_enough", "relapsed"))
    return {
        "cases": dropouts,
        "median_working_days_to_report": _median(histogram(s["to_report"])),
        "median_working_days_to_first_visit": _median(histogram(s["to_visit"])),
        "median_working_days_to_return": _median(histogram(s["to_return"])),
        "return_within_working_days": RETURN_WITHIN,
        "returned_within": returned_soon,
        "returned_within_share": round(returned_soon / dropouts, 6) if dropouts else None,
        "relapse_months": RELAPSE_MONTHS,
        "returned_months_ago": back_long_enough,
        "relapsed": relapsed,
        "relapse_rate": round(relapsed / back_long_enough, 6) if back_long_enough else None,
    }
