"""Reports (the figures the seeds report: dropout rate, retention, home visits, reasons): figures as plain functions over SQL aggregates, and their CSV/XLSX/SVG forms.

Shared here: who may read reports and over what scope, the targets, the definitions every figure
uses (what counts as a dropout, who is still out of school), and the school calendar's periods.

    figures.dashboard(actor, today)              the dashboard (figures.py)
    monthly.school_month(actor, school, month)   学校辍学月报表 (monthly.py)
    monthly.district_summary(actor, period)      the district's summary of a month or quarter
    export.to_csv / to_xlsx                      tables for Excel (export.py)
    charts.bar_chart / stacked_bars / line_chart server-side SVG (charts.py)
"""
import copy
from datetime import date, datetime, time

from sqlalchemy import case, func

from app.auth.scope import Actor, Grant
from app.deadlines import calendar
from app.errors import NotPermitted
from app.models import Case

# Targets from the seeds (seed 003: dropout rate <= 3 %, retention >= 97 %, >= 40 home visits per class
# teacher per semester). One dict so a district changes them in one place.
TARGETS = {"dropout_rate_max": 0.03, "retention_rate_min": 0.97, "visits_per_semester_min": 40}

# Roles that read reports. A grade leader reads their whole school's reports (the school's 3-tier
# network: principal -> grade leader -> class teacher); the others read over their own unit.
# Class teachers, partners and the system admin do not read reports (403).
REPORT_ROLES = ("school_admin", "grade_leader", "bureau_officer", "bureau_head", "supervisor")

# What the figures count. A pupil counts as a DROPOUT in a period when a case detected in the period
# was reported, i.e. its state has left `detected` and it did not end as a false alarm, enrolled
# elsewhere or exempt (those pupils never were out of school). Special placement still counts: the
# child was out of school until placed. The state is the case's state now.
NOT_DROPOUT_STATES = ("detected", "closed_false_alarm", "closed_enrolled_elsewhere", "closed_exempt")
# A pupil is OUT OF SCHOOL while their open case is in one of these (detected is only suspected).
OUT_OF_SCHOOL_STATES = ("reported", "visiting", "joint_return")

is_dropout = Case.state.not_in(NOT_DROPOUT_STATES)
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


def against_targets(dropout_rate: float | None, retention_rate: float | None) -> dict:
    return {
        "meets_dropout_target": None if dropout_rate is None else dropout_rate <= TARGETS["dropout_rate_max"],
        "meets_retention_target": None if retention_rate is None
        else retention_rate >= TARGETS["retention_rate_min"],
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
