"""The demo district's attendance: a few weeks of absences marked by the class teachers (most
excused), one pupil away unexcused on the last three school days (early warning opens a case for
them), a few often absent; then the nightly job once, so the risk list (重点生) has pupils on it.

A few of this school year's cases opened by hand get the absences their class teacher marked before
opening them (a week or so away, the case opened days later): what the dashboard's "days earlier"
figure compares early warning with."""
import random

from sqlalchemy import select

from app import clock
from app.attendance import warning
from app.attendance.absences import Mark, record
from app.attendance.schooldays import last_school_days
from app.audit import history
from app.deadlines import calendar
from app.extensions import db
from app.models import Case, OrgUnit, Pupil, RoleAssignment, User
from app.reports import school_year

STREAK_CLASS = "S01-G7-C1"   # the demo class teacher s01_g7c1_teacher's class


def _teacher(class_id: int) -> history.By:
    user = db.session.execute(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(
        RoleAssignment.role == "class_teacher", RoleAssignment.unit_id == class_id)).scalars().first()
    return history.by(user) if user else history.SYSTEM


def load(rng: random.Random) -> dict:
    today = calendar.local_date(clock.now())
    days = last_school_days(today, 20)
    with_case = set(db.session.execute(select(Case.pupil_id).where(Case.pupil_id.is_not(None))).scalars())
    pupils = [p for p in db.session.execute(select(Pupil).order_by(Pupil.id)).scalars() if p.id not in with_case]
    streak_class = db.session.execute(select(OrgUnit.id).where(OrgUnit.code == STREAK_CLASS)).scalar_one()
    away = next(p for p in pupils if p.class_id == streak_class)
    often = rng.sample([p for p in pupils if p is not away], 6)
    marks: dict[int, list[Mark]] = {}
    for d in days[-3:]:
        marks.setdefault(away.class_id, []).append(Mark(away.id, d, False, "家长未说明, 电话联系不上"))
    for p in often:  # 2–4 of the last 20 school days: at or above the 10 % rate
        for d in rng.sample(days[:-3], rng.randint(2, 4)):
            excused = rng.random() < 0.6
            marks.setdefault(p.class_id, []).append(Mark(p.id, d, excused, "病假" if excused else "未请假"))
    for p in rng.sample(pupils, 15):  # the odd day off with leave: nobody's risk
        d = rng.choice(days[:-3])
        marks.setdefault(p.class_id, []).append(Mark(p.id, d, True, rng.choice(["病假", "事假"])))
    _before_hand_opened(rng, today, marks)
    for class_id, ms in marks.items():
        record(ms, _teacher(class_id))
    return warning.run(today)


def _before_hand_opened(rng: random.Random, today, marks: dict[int, list[Mark]]) -> None:
    """Unexcused absences on the 4–8 school days ending 1–3 school days before a hand-opened case
    counts from, for up to four open cases of this school year (open: early warning leaves them be)."""
    since = school_year(today)[0]
    cases = db.session.execute(select(Case).where(
        Case.pupil_id.is_not(None), Case.closed_at.is_(None), Case.source != warning.SOURCE,
        Case.opened_on >= since).order_by(Case.id)).scalars().all()
    for case in rng.sample(cases, min(4, len(cases))):
        before = [d for d in last_school_days(case.opened_on, 12) if d < case.opened_on]
        gap, length = rng.randint(1, 3), rng.randint(4, 8)
        for d in before[-(gap + length):-gap]:
            if d >= since:
                marks.setdefault(case.pupil.class_id, []).append(Mark(case.pupil_id, d, False, "未请假, 家长未说明"))
