"""四查三比对: the county's registers compared with the school roster and the cases.

files.py     a register file's columns and one row checked (the line named on error)
loading.py   a checked file into the district's snapshot: COPY to a staging table, then set-based merge
compare.py   the comparisons as set-based SQL into reviewable mismatches (idempotent)
review.py    a mismatch opened as a case (through the engine) or dismissed with a reason
visits.py    铁脚板摸排: the mismatches no register explains, by township and village, with who and by when
figures.py   mismatches by township and kind; the 三统一 check
scope.py     whose district it is (a bureau officer's)
"""
from datetime import date

from flask import current_app

N_ = str  # a message id for `pybabel extract`; the pages translate it

REGISTERS = ("household", "poverty")
REGISTER_LABELS = {"household": N_("户籍适龄儿童"), "poverty": N_("脱贫户子女")}
# The kinds of mismatch, in the order the pages list them.
KINDS = ("not_enrolled", "not_in_school", "poverty_dropout", "duplicate")
KIND_LABELS = {"not_enrolled": N_("适龄未入学"), "not_in_school": N_("学籍在但不在校"), "poverty_dropout": N_("脱贫户辍学"),
               "duplicate": N_("学籍重复")}
STATUSES = ("open", "case_opened", "dismissed")
STATUS_LABELS = {"open": N_("待核查"), "case_opened": N_("已立案/已派发"), "dismissed": N_("已排除")}


def age_window(school_year: int) -> tuple[date, date, date]:
    """(cut-off day, born after, born on or before) of compulsory school age in the school year starting
    in `school_year`: 6 to 15 years old on the cut-off day (app/config.py)."""
    month, day = (int(x) for x in current_app.config["REGISTER_AGE_CUTOFF"].split("-"))
    cutoff = date(school_year, month, day)
    youngest, oldest = current_app.config["REGISTER_AGE_MIN"], current_app.config["REGISTER_AGE_MAX"]
    return cutoff, _years_before(cutoff, oldest + 1), _years_before(cutoff, youngest)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def school_year_of(day: date) -> int:
    """The year the school year holding `day` started (September)."""
    return day.year if day.month >= 9 else day.year - 1
