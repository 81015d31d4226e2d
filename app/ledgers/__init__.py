"""The three ledgers (三本台账) the Ministry has every county keep, as live views of the roster, the
household register and the cases (queries, never copies), over the reader's scope:

    school_age  适龄儿童台账: the pupils of compulsory school age, and the household register's children
                of that age no school lists (not enrolled)
    suspected   疑似辍学学生台账: the pupils whose open case is in a state marked on_ledger and which the
                bureau has not confirmed
    confirmed   辍学学生台账: the same, confirmed by the bureau's verification

A pupil leaves the suspected or confirmed ledger only by a step out of an on_ledger state (动态销号):
re-enrolment, or an off-ramp with its evidence; the history lists each such step, when, which and with
what evidence.

queries.py   the ledgers as SQL: rows, counts, the struck-off history
sheet.py     a ledger as the official XLSX table (title, 填报单位/人/日期, the table, 签字 and 盖章)
"""
N_ = str  # a message id for `pybabel extract`; the pages translate it

LEDGERS = ("school_age", "suspected", "confirmed")
TITLES = {"school_age": N_("适龄儿童台账"), "suspected": N_("疑似辍学学生台账"), "confirmed": N_("辍学学生台账")}
TITLES_EN = {"school_age": "School-age children", "suspected": "Suspected dropouts", "confirmed": "Confirmed dropouts"}
# the kinds of a school-age row: a pupil on the roster, or a child the household register lists and no
# school does
ENTRY_KINDS = {"pupil": N_("在籍学生"), "not_enrolled": N_("适龄未入学")}
