"""Pupils in abnormal 学籍 status, month by month: each school reports, for the end of a month, how many of
its pupils' records are abnormal, of which 其他离校 (other departure) and 问题学籍 (problem records);
the series sums the schools in the reader's scope, one GROUP BY over the months."""
import re

from sqlalchemy import func, select

from app.audit import history
from app.errors import Invalid
from app.extensions import db
from app.models import OrgUnit, StatusCount

SETTERS = ("school_admin", "bureau_officer")
FIELDS = ("abnormal", "other_left", "problem_records")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def series(view) -> dict:
    """Every month some school in scope reported, oldest first, with the schools' sums."""
    rows = db.session.execute(
        select(StatusCount.month, *[func.sum(getattr(StatusCount, f)) for f in FIELDS], func.count())
        .join(OrgUnit, OrgUnit.id == StatusCount.school_id).where(view.unit_filter(OrgUnit.path))
        .group_by(StatusCount.month).order_by(StatusCount.month)).all()
    months = [{"month": month, **{f: int(v) for f, v in zip(FIELDS, values)}, "schools": int(n)}
              for month, *values, n in rows]
    return {"months": months, "first": months[0] if months else None, "last": months[-1] if months else None}


def set_counts(school: OrgUnit, who: history.By, month: str, abnormal: int, other_left: int,
               problem_records: int) -> StatusCount:
    """Record (or correct) a school's month; an admin event records the change."""
    month = month.strip()
    if not MONTH.match(month):
        raise Invalid({"month": "须为 YYYY-MM / must be YYYY-MM"})
    after = {"abnormal": abnormal, "other_left": other_left, "problem_records": problem_records}
    if after["other_left"] + after["problem_records"] > after["abnormal"]:
        raise Invalid({"abnormal": "不能少于其他离校与问题学籍之和 / cannot be less than other departures plus "
                                   "problem records"})
    return history.set_recorded(who, StatusCount, {"school_id": school.id, "month": month}, after,
                                "status_counts_set", f"{school.code}:{month}")
