"""Early warning (考勤预警): a run of unexcused absences on `streak_days` consecutive school days opens
a detected case through the engine's open_case(), like any case opened by hand — source `attendance`,
the absence records named in the opening's note, in the name of the pupil's class teacher (the engine
assigns the case to its opener, and its clocks count from the open form's date: the day the streak
reached the threshold). A pupil with an open case gets none; each streak is acted on once
(absence_streaks), so a case closed as a false alarm is not opened again for the same absences.

run() is the nightly job's work: the streaks, then the risk list (app/attendance/risk.py).
"""
import logging
from datetime import date, datetime

from sqlalchemy import select

from app import clock
from app.attendance import indicators, risk
from app.attendance.people import nearest
from app.attendance.schooldays import last_school_days
from app.attendance.settings import Thresholds, thresholds
from app.auth.actor import Actor
from app.deadlines.calendar import local_date
from app.engine import machine, operations
from app.engine.validation import field_kinds
from app.errors import BaoxueError, Conflict
from app.extensions import db
from app.models import AbsenceStreak, Case, OrgUnit, Pupil

log = logging.getLogger("baoxue.attendance")
SOURCE = "attendance"


def run(today: date | None = None, now: datetime | None = None) -> dict:
    """Open cases for new streaks, then refresh the risk list; re-running changes nothing."""
    now = now or clock.now()
    today = today or local_date(now)
    t = thresholds()
    days = last_school_days(today, t.window)
    result = open_for_streaks(days, t, now)
    result.update(risk.refresh(days, t, now))
    return result


def _overlaps(known: list, s: indicators.Streak):
    """The streak already acted on that this run of absences continues (a pupil's runs are disjoint)."""
    return next((k for k in known if k.first_day <= s.last_day and k.last_day >= s.first_day), None)


def open_for_streaks(days: list[date], t: Thresholds, now: datetime) -> dict:
    defn = machine.default()
    counts = {"streaks": 0, "opened": 0, "already_open": 0, "no_opener": 0}
    if defn.subject.get("kind") != "pupil":
        return counts
    found = indicators.streaks(days, t.streak_days)
    counts["streaks"] = len(found)
    if not found:
        return counts
    pids = sorted({s.pupil_id for s in found})
    known: dict[int, list] = {}
    for row in db.session.execute(select(AbsenceStreak).where(AbsenceStreak.pupil_id.in_(pids))).scalars():
        known.setdefault(row.pupil_id, []).append(row)
    open_cases = dict(db.session.execute(select(Case.pupil_id, Case.id).where(
        Case.pupil_id.in_(pids), Case.workflow == defn.name, Case.closed_at.is_(None))).all())
    for s in found:
        done = _overlaps(known.get(s.pupil_id, []), s)
        if done is not None:
            if (done.last_day, done.days) != (s.last_day, max(done.days, s.days)):  # the run goes on
                done.last_day, done.days = s.last_day, max(done.days, s.days)
                db.session.commit()
            continue
        detected_on = days[days.index(s.first_day) + t.streak_days - 1]
        case_id = open_cases.get(s.pupil_id)
        if case_id is None:
            case_id = _open(defn, s, detected_on, t.streak_days)
            if case_id is None:
                counts["no_opener"] += 1
                continue
            opened = case_id > 0
            case_id = abs(case_id)
        else:
            opened = False
        counts["opened" if opened else "already_open"] += 1
        row = AbsenceStreak(pupil_id=s.pupil_id, first_day=s.first_day, last_day=s.last_day, days=s.days,
                            detected_on=detected_on, case_id=case_id, opened_case=opened, at=now)
        db.session.add(row)
        db.session.commit()
        known.setdefault(s.pupil_id, []).append(row)
    return counts


def evidence(s: indicators.Streak, streak_days: int) -> str:
    days = f"{s.first_day.isoformat()} — {s.last_day.isoformat()}"
    ids = ", ".join(f"#{i}" for i in s.absence_ids[:60])
    return (f"考勤预警自动开立: 连续 {s.days} 个上课日未请假缺勤 ({days}, 阈值 {streak_days} 天); 缺勤记录 {ids} / "
            f"opened by early warning: unexcused absences on {s.days} consecutive school days ({days}, "
            f"threshold {streak_days}); absence records {ids}")


def _open(defn, s: indicators.Streak, detected_on: date, streak_days: int) -> int | None:
    """The new case's id; minus the id of a case another opener opened meanwhile; None when nobody
    may open it (no class teacher nor anyone above the class with an open role) or the engine refuses."""
    path = db.session.execute(select(OrgUnit.path).join(Pupil, Pupil.class_id == OrgUnit.id)
                              .where(Pupil.id == s.pupil_id)).scalar_one()
    user = nearest(path, defn.open_roles)
    if user is None:
        log.warning("early warning: nobody may open a case for pupil %s", s.pupil_id)
        return None
    kinds = field_kinds(defn.open_form)
    payload = {defn.subject["field"]: s.pupil_id}
    if defn.open_dated_by:
        payload[defn.open_dated_by] = detected_on.isoformat()
    if "source" in kinds:
        payload["source"] = SOURCE
    if "note" in kinds:
        payload["note"] = evidence(s, streak_days)
    try:
        return operations.open_case(Actor(user), payload)
    except Conflict as e:  # opened by hand between our read and the open
        return -int(e.extra.get("open_case_id") or 0) or None
    except BaoxueError:
        log.exception("early warning: the engine refused a case for pupil %s", s.pupil_id)
        db.session.rollback()
        return None
