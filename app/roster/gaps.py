"""Pupils who vanished from a roster import (疑似流失): a pupil of a class the file lists, in the
importer's scope, whose 学籍号 the file does not name. Baoxue records no transfer, so nothing else
explains the gap; it is recorded once (until a later import lists the pupil again, which resolves it)
and the risk list shows the pupil as suspected unless a case explains it (app/attendance/indicators.py)."""
from datetime import datetime

from sqlalchemy import insert, select, update

from app.extensions import db
from app.models import ImportRun, Pupil, RosterGap


def record(run: ImportRun, class_ids: set[int], listed: set[str], now: datetime) -> int:
    """Record the pupils of `class_ids` missing from `listed` (the file's numbers, good rows or bad);
    resolve the open gaps of the pupils the file lists. Returns how many newly vanished. One commit."""
    if not class_ids:
        return 0
    pupils = db.session.execute(select(Pupil.id, Pupil.student_no).where(Pupil.class_id.in_(sorted(class_ids)))).all()
    present = [pid for pid, no in pupils if no in listed]
    missing = [pid for pid, no in pupils if no not in listed]
    open_gaps = set(db.session.execute(select(RosterGap.pupil_id).where(
        RosterGap.resolved_at.is_(None), RosterGap.pupil_id.in_([pid for pid, _ in pupils]))).scalars())
    for i in range(0, len(present), 1000):
        db.session.execute(update(RosterGap).where(RosterGap.resolved_at.is_(None),
                                                   RosterGap.pupil_id.in_(present[i:i + 1000]))
                           .values(resolved_at=now).execution_options(synchronize_session=False))
    new = [{"pupil_id": pid, "import_run_id": run.id, "since": now} for pid in missing if pid not in open_gaps]
    if new:
        db.session.execute(insert(RosterGap), new)
    db.session.commit()
    return len(new)
