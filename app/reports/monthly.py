"""学校辍学月报表 (a school's monthly dropout report, by grade) and the district's summary (by school)
of a month or a quarter (seed 000: monthly report, quarterly evaluation).

Both are the same columns over a different grouping, computed by _figures() in two aggregate queries
(one over cases, one over events) whatever the number of cases:

    suspected     cases detected in the period (新增疑似辍学)
    reported      cases reported in the period (steps marked reports_dropout, 新上报辍学)
    returned      re-enrolments in the period (steps marked returns_to_school, 复学)
    out_at_end    pupils out of school at the end of the period: the case's state after its last event
                  before the period's end is marked out_of_school (期末仍辍学)
    visits        home visits in the period (steps marked home_visit, any role, and the register's visits)
    sy_*          the school year (1 Sep) up to the period's end: suspected, dropouts (app.reports
                  definition), of which bureau-confirmed, re-enrolments, home visits
    dropout_rate  sy_dropouts / enrolment; retention_rate (enrolment - out_at_end) / enrolment
    reasons       the reasons of the cases reported in the period (several may apply to one case)

The marks are the definitions' (workflows/dropout.py documents them); only the cases of the workflows
the reports count (app.reports.reported_workflows) are counted.

A period belongs to the school year of its last day. Times are Shanghai local days. An event is in a
period by the day it happened (case_events.occurred_on: the dropout date of a report, the return date
of a re-enrolment, the visit's date), not by when it was typed.
"""
import re
from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from app.auth.scope import unit_by_code
from app.district.filters import schools_in_scope
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import Case, CaseEvent, HomeVisit, OrgUnit
from app.reports import targets as stored_targets
from app.reports import (
    COUNTS_AS_DROPOUT,
    HOME_VISIT,
    OUT_OF_SCHOOL,
    REPORTS_DROPOUT,
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
    school_year,
    step_marked,
    step_names,
    utc_start,
)
from forms.base import REASONS

CASE_FIELDS = ("suspected", "out_at_end", "sy_suspected", "sy_dropouts", "sy_confirmed")
EVENT_FIELDS = ("reported", "returned", "visits", "sy_returned", "sy_visits")
COUNT_FIELDS = CASE_FIELDS + EVENT_FIELDS
YEARS = (2000, 2100)
_PERIOD = re.compile(r"(\d{4})-(?:(\d{2})|[Qq]([1-4]))")


def parse_period(value: str | None, field: str = "period", *, quarters: bool = True) -> tuple[str, date, date]:
    """'YYYY-MM' (or 'YYYY-Qn' when quarters are allowed) -> (normalised label, first day, last day)."""
    m = _PERIOD.fullmatch((value or "").strip())
    month = int(m.group(2)) if m and m.group(2) else None
    if not m or (m.group(3) and not quarters) or (month is not None and not 1 <= month <= 12):
        shape = "YYYY-MM 或 YYYY-Qn / YYYY-MM or YYYY-Qn" if quarters else "YYYY-MM"
        raise Invalid({field: f"须为 {shape}, 例如 2026-10 / must look like {shape}, e.g. 2026-10"})
    year = int(m.group(1))
    if not YEARS[0] <= year <= YEARS[1]:
        raise Invalid({field: f"年份须在 {YEARS[0]}–{YEARS[1]} 之间 / the year must be within {YEARS[0]}..{YEARS[1]}"})
    if month is not None:
        return f"{year}-{month:02d}", month_start(year, month), month_start(year, month + 1) - timedelta(days=1)
    quarter = int(m.group(3))
    first = month_start(year, 3 * quarter - 2)
    return f"{year}-Q{quarter}", first, month_start(year, 3 * quarter + 1) - timedelta(days=1)


def _school(view, code: str | None) -> OrgUnit:
    if not code:
        raise Invalid({"school": "须指定学校代码 / the school code is required"})
    unit = unit_by_code(code)
    if unit is None or unit.kind != "school":
        raise Invalid({"school": f"没有代码为 {code} 的学校 / no school has the code {code!r}"})
    if not view.roles_for_path(unit.path):  # out of scope does not exist (404, never 403)
        raise NotFound("没有这个学校 / no such school")
    return unit


def _figures(view, start: date, end: date, *where, by: str, school_id: int | None = None) -> dict:
    """{group key: {field: count, "reasons": {code: count}}} for the cases in scope matching `where` (and
    the register's visits of `school_id` when given),
    grouped by school id (by="school") or by the grade id of the case's class (by="grade")."""
    sy_start = school_year(end)[0]
    earliest = min(start, sy_start)
    scope = and_(view.case_filter(), counted())
    klass = aliased(OrgUnit)
    key = klass.parent_id if by == "grade" else Case.school_id

    def grouped(query):
        if by == "grade":  # a case belongs to the grade of the class it was opened in
            query = query.outerjoin(klass, klass.path == Case.unit_path)
        return query.where(scope, *where).group_by(key)

    # Cases: the state at the period's end is the to_state of the case's last event before it.
    state_at_end = (select(CaseEvent.to_state).where(CaseEvent.case_id == Case.id, CaseEvent.occurred_on <= end)
                    .order_by(CaseEvent.seq.desc()).limit(1).correlate(Case).scalar_subquery())
    in_period, in_sy = Case.opened_on.between(start, end), Case.opened_on.between(sy_start, end)
    is_dropout = in_state_marked(COUNTS_AS_DROPOUT)
    cases = db.session.execute(grouped(
        select(key, count_if(in_period), count_if(in_state_marked(OUT_OF_SCHOOL, state_at_end)), count_if(in_sy),
               count_if(in_sy & is_dropout), count_if(in_sy & is_dropout & is_confirmed))
        .select_from(Case)
        # A case closed before the earliest day asked about counts nowhere: skip it early.
        .where(Case.opened_on <= end, Case.closed_at.is_(None) | (Case.closed_at >= utc_start(earliest))))).all()

    reported, returned, visit = (step_marked(m, CaseEvent.action)
                                 for m in (REPORTS_DROPOUT, RETURNS_TO_SCHOOL, HOME_VISIT))
    day = CaseEvent.occurred_on
    period, sy = day >= start, day >= sy_start
    reasons = reasons_text
    events = db.session.execute(grouped(
        select(key, count_if(reported & period), count_if(returned & period),
               count_if(visit & period), count_if(returned & sy), count_if(visit & sy),
               *[count_if(reported & period & reasons.contains(f'"{code}"', autoescape=True))
                 for code, _ in REASONS])
        .select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.action.in_(step_names(REPORTS_DROPOUT, RETURNS_TO_SCHOOL, HOME_VISIT)),
               day >= earliest, day <= end))).all()

    # the register's visits (app/home_visits), by the day each happened: a case's visits are its events
    # above, so no visit is counted twice
    hv_key = klass.parent_id if by == "grade" else HomeVisit.school_id
    hv_query = select(hv_key, count_if(HomeVisit.visited_on >= start),
                      count_if(HomeVisit.visited_on >= sy_start)).select_from(HomeVisit)
    if by == "grade":
        hv_query = hv_query.outerjoin(klass, klass.path == HomeVisit.unit_path)
    register_visits = db.session.execute(hv_query.where(
        view.unit_filter(HomeVisit.unit_path), HomeVisit.visited_on >= earliest, HomeVisit.visited_on <= end,
        *([HomeVisit.school_id == school_id] if school_id is not None else [])).group_by(hv_key)).all()

    out: dict = {}
    for k, *counts in cases:
        out.setdefault(k, _empty()).update(zip(CASE_FIELDS, map(int, counts)))
    for k, *counts in events:
        row = out.setdefault(k, _empty())
        row.update(zip(EVENT_FIELDS, map(int, counts)))
        row["reasons"] = {code: int(n) for (code, _), n in zip(REASONS, counts[len(EVENT_FIELDS):])}
    for k, in_period, in_sy in register_visits:
        row = out.setdefault(k, _empty())
        row["visits"] += int(in_period)
        row["sy_visits"] += int(in_sy)
    return out


def _empty() -> dict:
    return {**dict.fromkeys(COUNT_FIELDS, 0), "reasons": {code: 0 for code, _ in REASONS}}


def _row(code, name, enrolment: int, counts: dict, targets: dict) -> dict:
    dropout_rate = rate(counts["sy_dropouts"], enrolment)
    retention = rate(enrolment - counts["out_at_end"], enrolment)
    return {"code": code, "name": name, "enrolment": enrolment, **{f: counts[f] for f in COUNT_FIELDS},
            "dropout_rate": dropout_rate, "retention_rate": retention, **against_targets(dropout_rate, retention, targets),
            "reasons": dict(counts["reasons"])}


def _summed(many) -> dict:
    """The counts of several rows (or raw count dicts) added up."""
    counts = _empty()
    for r in many:
        for f in COUNT_FIELDS:
            counts[f] += r[f]
        for code, n in r["reasons"].items():
            counts["reasons"][code] += n
    return counts


def _total(rows: list[dict], enrolment: int, targets: dict) -> dict:
    return _row(None, "合计", enrolment, _summed(rows), targets)


def _reason_list(counts: dict) -> list[dict]:
    return [{"code": code, "label": label, "count": counts[code]} for code, label in REASONS]


def school_month(actor, school_code: str, month: str) -> dict:
    """The school's monthly dropout report 学校辍学月报表: one row per grade, totals, the school year
    to the month's end, and the reasons of the month's reported cases. See the module docstring."""
    view = reader(actor)
    label, start, end = parse_period(month, "month", quarters=False)
    school = _school(view, school_code)
    grades = db.session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.enrolment).where(
        OrgUnit.kind == "grade", OrgUnit.parent_id == school.id, view.unit_filter(OrgUnit.path))
        .order_by(OrgUnit.code)).all()
    figures = _figures(view, start, end, Case.school_id == school.id, by="grade", school_id=school.id)
    sy_start = school_year(end)[0]
    targets = stored_targets.for_path(school.path, sy_start.year)
    rows = [_row(code, name, enrolment, figures.pop(gid, _empty()), targets)
            for gid, code, name, enrolment in grades]
    if figures:  # cases whose class is no longer under one of the school's grades: shown, not lost
        rows.append(_row(None, "未分年级 / no grade", 0, _summed(figures.values()), targets))
    enrolment = school.enrolment or sum(g.enrolment for g in grades)
    totals = _total(rows, enrolment, targets)
    return {
        "school": {"code": school.code, "name": school.name},
        "month": label,
        "period": period_dict(start, end),
        "school_year": period_dict(sy_start, end),
        "enrolment": enrolment,
        "grades": rows,
        "totals": totals,
        "school_year_to_date": {
            "suspected": totals["sy_suspected"], "dropouts": totals["sy_dropouts"],
            "confirmed": totals["sy_confirmed"], "returned": totals["sy_returned"], "visits": totals["sy_visits"],
            "out_at_end": totals["out_at_end"], "dropout_rate": totals["dropout_rate"],
            "retention_rate": totals["retention_rate"], "meets_dropout_target": totals["meets_dropout_target"],
            "meets_retention_target": totals["meets_retention_target"]},
        "reasons": _reason_list(totals["reasons"]),
        "targets": targets,
    }


def district_summary(actor, period: str) -> dict:
    """One row per school in the reader's scope for a month ('YYYY-MM') or quarter ('YYYY-Qn'), with
    totals and rates. See the module docstring for the columns."""
    view = reader(actor)
    label, start, end = parse_period(period, "period")
    schools = schools_in_scope(view)
    figures = _figures(view, start, end, by="school")
    year = school_year(end)[0].year
    each = stored_targets.for_paths({**{s.id: s.path for s in schools}, "own": stored_targets.own_path(view)}, year)
    rows = [_row(s.code, s.name, s.enrolment, figures.get(s.id, _empty()), each[s.id]) for s in schools]
    targets = each["own"]
    totals = _total(rows, sum(s.enrolment for s in schools), targets)
    return {
        "period": label,
        "kind": "quarter" if "Q" in label else "month",
        "start": start.isoformat(), "end": end.isoformat(),
        "school_year": period_dict(school_year(end)[0], end),
        "schools": rows,
        "totals": totals,
        "reasons": _reason_list(totals["reasons"]),
        "targets": targets,
    }
