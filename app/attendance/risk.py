"""The risk list (重点生): every pupil an indicator puts at risk, with the reasons, who tracks them and
since when, kept by refresh() from the indicators (set-based SQL) in one transaction.

refresh() is idempotent: reasons that did not change write nothing, and only an entry that is new (or
back after being cleared) notifies the class teacher (and the tracker, if someone else) — so running it
twice notifies once. A pupil no longer at risk is cleared, not deleted: who tracked them is kept.
"""
from datetime import date, datetime

from sqlalchemy import insert, select, update

from app.attendance import indicators
from app.attendance.people import class_teachers
from app.attendance.settings import Thresholds
from app.deadlines import mail
from app.extensions import db
from app.models import Notification, Pupil, RiskEntry

KIND = "at_risk"  # the notifications' kind of a new entry
# The kinds of reason an entry gives (the API's schema lists them)
KINDS = ("absence_rate", "dropped_out_before", "flags", "streak", "vanished")


def reasons_by_pupil(days: list[date], t: Thresholds) -> dict[int, list[dict]]:
    """{pupil id: [reason, ...]} from every indicator over the last `t.rate_window` of `days`."""
    window = days[-t.rate_window:]
    found: dict[int, list[dict]] = {}

    def add(pid, reason):
        found.setdefault(pid, []).append(reason)

    for pid, (absent, unexcused) in indicators.absence_rates(window, t.rate).items():
        add(pid, {"kind": "absence_rate", "absent": absent, "unexcused": unexcused, "of": len(window)})
    for s in indicators.streaks(window, t.streak_days):
        if s.last_day == window[-1]:  # still away: the streak reaches the last school day
            add(s.pupil_id, {"kind": "streak", "days": s.days, "since": s.first_day.isoformat()})
    for pid, since in indicators.vanished().items():
        add(pid, {"kind": "vanished", "since": since.isoformat()})
    for pid, case_id in indicators.relapsed().items():
        add(pid, {"kind": "dropped_out_before", "case_id": case_id})
    for pid, flags in indicators.flagged(1).items():
        if len(flags) >= t.flags_min or pid in found:  # flags alone count from flags_min on
            add(pid, {"kind": "flags", "flags": flags})
    return {pid: sorted(rs, key=lambda r: r["kind"]) for pid, rs in found.items()}


def refresh(days: list[date], t: Thresholds, now: datetime) -> dict:
    """Bring the risk list in line with the indicators; notify the class teachers of new entries."""
    wanted = reasons_by_pupil(days, t)
    entries = {r.pupil_id: r for r in db.session.execute(
        select(RiskEntry.id, RiskEntry.pupil_id, RiskEntry.reasons, RiskEntry.cleared_at, RiskEntry.tracker_id))}
    new_rows, changed, back, cleared = [], [], [], []
    for pid, reasons in wanted.items():
        e = entries.get(pid)
        if e is None:
            new_rows.append({"pupil_id": pid, "reasons": reasons, "listed_at": now, "updated_at": now})
        elif e.cleared_at is not None:
            back.append({"id": e.id, "reasons": reasons, "listed_at": now, "updated_at": now, "cleared_at": None})
        elif e.reasons != reasons:
            changed.append({"id": e.id, "reasons": reasons, "updated_at": now})
    cleared = [e.id for pid, e in entries.items() if e.cleared_at is None and pid not in wanted]
    if new_rows:
        db.session.execute(insert(RiskEntry), new_rows)
    if back or changed:
        db.session.execute(update(RiskEntry), back + changed)
    if cleared:
        db.session.execute(update(RiskEntry).where(RiskEntry.id.in_(cleared))
                           .values(cleared_at=now, updated_at=now).execution_options(synchronize_session=False))
    listed = [r["pupil_id"] for r in new_rows] + [pid for pid, e in entries.items()
                                                  if e.cleared_at is not None and pid in wanted]
    notified = _notify(listed, {pid: e.tracker_id for pid, e in entries.items()}, wanted, now)
    db.session.commit()
    return {"at_risk": len(wanted), "new": len(listed), "changed": len(changed), "cleared": len(cleared),
            "notified": notified}


def _notify(pupil_ids: list[int], trackers: dict, reasons: dict, now: datetime) -> int:
    """A notice to each new entry's class teacher(s) and tracker, in the refresh's transaction."""
    if not pupil_ids:
        return 0
    pupils = {}
    for i in range(0, len(pupil_ids), 1000):
        pupils.update({p.id: p for p in db.session.execute(
            select(Pupil.id, Pupil.name, Pupil.class_id).where(Pupil.id.in_(pupil_ids[i:i + 1000])))})
    teachers = class_teachers(p.class_id for p in pupils.values())
    rows = []
    for pid, p in pupils.items():
        users = set(teachers.get(p.class_id, []))
        if trackers.get(pid):
            users.add(trackers[pid])
        text = "、".join(describe_zh(r) for r in reasons[pid])
        rows += [{"user_id": u, "case_id": None, "deadline_id": None, "kind": KIND, "level": 0,
                  "title": f"新增重点生: {p.name}"[:200], "body": text[:1000], "created_at": now} for u in sorted(users)]
    emails = mail.addresses(sorted({r["user_id"] for r in rows}))
    for r in rows:
        r["email_status"] = "pending" if r["user_id"] in emails else None
    if rows:
        db.session.execute(insert(Notification), rows)
    return len(rows)


FLAG_ZH = {"economic_hardship": "经济困难", "disability": "残疾", "left_behind": "留守", "migrant": "随迁",
           "orphan": "孤儿", "unsupported": "事实无人抚养"}


def describe_zh(r: dict) -> str:
    """A reason in one line of Chinese (the notification's body; pages translate their own)."""
    kind = r["kind"]
    if kind == "absence_rate":
        return f"近{r['of']}个上课日缺勤{r['absent']}天(未请假{r['unexcused']}天)"
    if kind == "streak":
        return f"自{r['since']}起连续{r['days']}个上课日未请假缺勤"
    if kind == "vanished":
        return f"花名册导入中消失({r['since']})"
    if kind == "dropped_out_before":
        return f"曾辍学(个案 #{r['case_id']})"
    return "风险标记: " + "、".join(FLAG_ZH.get(f, f) for f in r["flags"])
