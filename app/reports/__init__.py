"""Reports (the figures the seeds report: dropout rate, retention, home visits, reasons): figures as plain functions over SQL aggregates, and their CSV/XLSX/SVG forms.

Shared here: who may read reports and over what scope, the targets, the definitions every figure
uses (what counts as a dropout, who is still out of school: read from the definitions' marks), and
the school calendar's periods.

    figures.dashboard(actor, today)              the dashboard (figures.py)
    monthly.school_month(actor, school, month)   学校辍学月报表 (monthly.py)
    monthly.district_summary(actor, period)      the district's summary of a month or quarter
    export.to_csv / to_xlsx                      tables for Excel (export.py)
    charts.bar_chart / stacked_bars / line_chart server-side SVG (charts.py)
"""
import copy
from datetime import date, datetime, time

from sqlalchemy import and_, case, false, func, or_

from app.auth.roles import REPORT_ROLES
from app.auth.actor import Actor, Grant
from app.deadlines import calendar
from app.engine import machine
from app.errors import NotPermitted
from app.models import Case

# The default targets (dropout rate <= 3 %, retention >= 97 %, >= 40 home visits per class teacher per
# semester): the bureau sets its own per unit and school year (app/reports/targets.py); these hold where
# it has set none.
TARGETS = {"dropout_rate_max": 0.03, "retention_rate_min": 0.97, "visits_per_semester_min": 40}

# Roles that read reports (app/auth/roles.py). A grade leader reads their whole school's reports (the
# school's 3-tier network: principal -> grade leader -> class teacher); the others read over their own
# unit. Class teachers, partners and the system admin do not read reports (403).

# What the figures count comes from the definitions (a state's and a trigger's `marks`, documented in
# workflows/dropout.py), so a workflow defines what its cases mean to the reports; one that marks
# nothing is not counted by them. The names of the marks the reports read:
COUNTS_AS_DROPOUT = "counts_as_dropout"  # state: a case now in it counts as a dropout in its year
OUT_OF_SCHOOL = "out_of_school"          # state: an open case in it has its pupil out of school
REPORTS_DROPOUT = "reports_dropout"      # trigger: the step reporting a dropout (新上报)
RETURNS_TO_SCHOOL = "returns_to_school"  # trigger: the pupil back at school (复学)
HOME_VISIT = "home_visit"                # trigger: a home visit (家访)
RELAPSE = "drops_out_again"          # trigger: the pupil dropped out again after re-enrolment (反复)
ON_LEDGER = "on_ledger"                  # state: an open case in it has its pupil on the dropout ledgers
STATE_MARKS = (COUNTS_AS_DROPOUT, OUT_OF_SCHOOL, ON_LEDGER)
TRIGGER_MARKS = (REPORTS_DROPOUT, RETURNS_TO_SCHOOL, HOME_VISIT, RELAPSE)


def reported_workflows() -> list:
    """The registered definitions the reports count: those whose states or triggers carry a mark the
    reports read."""
    return [d for d in machine.registered().values()
            if any(d.states_marked(m) for m in STATE_MARKS) or any(d.triggers_marked(m) for m in TRIGGER_MARKS)]


def _marked(pairs, column):
    """`column` holds one of a workflow's names for a case of that workflow: OR over the workflows."""
    clauses = [and_(Case.workflow == name, column.in_(names)) for name, names in pairs if names]
    return or_(*clauses) if clauses else false()


def counted() -> object:
    """The cases the reports count at all: those of a reported workflow."""
    return Case.workflow.in_([d.name for d in reported_workflows()])


def in_state_marked(mark: str, column=Case.state):
    """SQL: the case's state (or `column`, a state of the same case) carries `mark`."""
    return _marked(((d.name, d.states_marked(mark)) for d in reported_workflows()), column)


def step_marked(mark: str, column):
    """SQL: the event's action `column` (joined to its case) is a trigger carrying `mark`; its names
    first, so the events' action index serves it."""
    return and_(column.in_(step_names(mark)),
                _marked(((d.name, d.triggers_marked(mark)) for d in reported_workflows()), column))


def step_names(*marks: str) -> list[str]:
    """Every trigger name carrying one of `marks` in a reported workflow."""
    return sorted({t for d in reported_workflows() for m in marks for t in d.triggers_marked(m)})


def state_has(workflow: str, state: str, mark: str) -> bool:
    """In Python, for grouped rows: does `state` of `workflow` carry `mark`."""
    st = machine.get(workflow).states.get(state)
    return st is not None and mark in st.marks
# The case fields the figures count by, read out of cases.fields (migration 0014) by JSON extraction,
# which both databases do in the query (PostgreSQL ->>, SQLite json_extract): the reasons as the text of
# their JSON list (a reason counts when '"<code>"' is in it), the bureau's confirmation as a boolean.
reasons_text = Case.fields["reasons"].as_string()
is_confirmed = Case.fields["confirmed"].as_boolean()


def reader(actor: Actor) -> Actor:
    """The actor as a report reader: their report-role grants only (a grade leader's widened to the
    school), so the scope helpers case_filter()/unit_filter() give exactly what reports may count.

    Raises NotPermitted for a user with no report role."""
    grants = []
    for a in actor.user.assignments:
        if a.role not in REPORT_ROLES:
            continue
        unit = a.unit
        if a.role == "grade_leader" and unit.kind == "grade" and unit.parent is not None:
            unit = unit.parent
        grants.append(Grant(a.role, unit.id, unit.path))
    if not grants:
        raise NotPermitted("您的角色不能查看统计报表 / your role may not read reports",
                           roles_allowed=list(REPORT_ROLES))
    view = copy.copy(actor)
    view.grants = tuple(grants)
    view.role_names = frozenset(g.role for g in grants)
    return view


# --- aggregates ------------------------------------------------------------------------------------

def count_if(condition):
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), never NULL: a conditional count in one pass."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def rate(part: int, whole: int) -> float | None:
    """part / whole as a fraction (0.0125 = 1.25 %), None when there is nothing to divide by."""
    return round(part / whole, 6) if whole and whole > 0 else None


def against_targets(dropout_rate: float | None, retention_rate: float | None, targets: dict | None = None) -> dict:
    """Whether the rates meet `targets` (the unit's, app/reports/targets.py; the defaults without)."""
    targets = targets or TARGETS
    return {
        "meets_dropout_target": None if dropout_rate is None else dropout_rate <= targets["dropout_rate_max"],
        "meets_retention_target": None if retention_rate is None
        else retention_rate >= targets["retention_rate_min"],
    }


# --- the school calendar: school year 1 Sep - 31 Aug; semesters 1 Sep - 31 Jan and 1 Feb - 31 Aug ------

def school_year(day: date) -> tuple[date, date]:
    start_year = day.year if day.month >= 9 else day.year - 1
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


def semester(day: date) -> tuple[date, date]:
    if 2 <= day.month <= 8:
        return date(day.year, 2, 1), date(day.year, 8, 31)
    start_year = day.year if day.month >= 9 else day.year - 1
    end = date(start_year + 1, 2, 1)
    return date(start_year, 9, 1), date(end.year, 1, 31)


def month_start(year: int, month: int) -> date:
    """The first day of a month, months counted past December or before January allowed."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def utc_start(day: date) -> datetime:
    """Local midnight (Asia/Shanghai) at the start of `day`, as the naive UTC the database stores:
    event times compare against it, so a step at 00:30 on 1 November in Shanghai counts in November."""
    return calendar.to_utc(day, time(0))


def period_dict(start: date, end: date) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat()}
