"""Checkpoints: a clock whose due points are named (follow-ups after a return, say), each logged by a
step that names it, and only once its time has come.

A checkpoint may be logged from its window on: `window` working days before its due day (the
definition's number), and not before; after the due day it is still welcome (it is overdue, and the
ladder says so). The step meets that checkpoint's deadline row, whichever others are open.
"""
from datetime import date, datetime

from sqlalchemy import select

from app.deadlines import calendar
from app.errors import Invalid
from app.extensions import db
from app.models import Deadline


def window_opens(clock, due_at: datetime) -> date:
    """The first day a checkpoint due at `due_at` may be logged."""
    return calendar.add_working_days(calendar.local_date(due_at), -clock.window)


def chosen(defn, trigger: str, data: dict, open_rows: list, now: datetime, case_id: int) -> dict[str, int]:
    """{clock: point} of the checkpoints this step logs, each checked against its window; a step
    before a window, or naming a checkpoint already logged, is refused (422 naming the field)."""
    points = {}
    for clock in defn.clocks:
        if not clock.checkpoint_field or trigger not in clock.met_by:
            continue
        field, name = clock.checkpoint_field, data.get(clock.checkpoint_field)
        point = clock.point_names().index(name)  # the form allows only the clock's names
        label = clock.due[point]
        row = next((r for r in open_rows if r.clock == clock.name and r.point == point), None)
        if row is None:
            raise Invalid({field: _not_open(case_id, clock, point, label)})
        opens, due = window_opens(clock, row.due_at), calendar.local_date(row.due_at)
        on = calendar.local_date(now)
        if on < opens:
            raise Invalid({field: f"回访节点「{label.get('zh', name)}」{due} 到期, 自 {opens} 起方可记录 (今天 {on}) / "
                                  f"the checkpoint “{label.get('en', name)}” is due on {due} and can be logged "
                                  f"from {opens} on (today is {on})"})
        dated = data.get(clock.date_field) if clock.date_field else None
        if dated and date.fromisoformat(str(dated)) < opens:
            raise Invalid({clock.date_field: f"回访节点「{label.get('zh', name)}」自 {opens} 起 ({due} 到期), "
                                             f"此日期早于该时段 / the checkpoint “{label.get('en', name)}” "
                                             f"(due {due}) opens on {opens}: this date is before it"})
        points[clock.name] = point
    return points


def _not_open(case_id: int, clock, point: int, label: dict) -> str:
    done = db.session.execute(
        select(Deadline.closed_at).where(Deadline.case_id == case_id, Deadline.clock == clock.name,
                                         Deadline.point == point, Deadline.status == "met")
        .order_by(Deadline.id.desc()).limit(1)).scalar_one_or_none()
    zh, en = label.get("zh", label.get("name")), label.get("en", label.get("name"))
    if done is not None:
        day = calendar.local_date(done)
        return f"回访节点「{zh}」已于 {day} 记录 / the checkpoint “{en}” was already logged on {day}"
    return f"回访节点「{zh}」当前不在进行中 / the checkpoint “{en}” is not open"


def for_case(defn, case_id: int, now: datetime) -> list[dict]:
    """listing() of a case's deadline rows (met and cancelled ones too)."""
    if not any(c.checkpoint_field for c in defn.clocks):
        return []
    rows = db.session.execute(select(Deadline).where(Deadline.case_id == case_id)).scalars().all()
    return listing(defn, rows, now)


def listing(defn, rows: list, now: datetime) -> list[dict]:
    """Each checkpoint clock's points of the case's latest round (rows opened together), with the day
    its window opens, its due day and where it stands: logged (on which day), open, not yet open,
    overdue, cancelled. For the case page."""
    out = []
    today = calendar.local_date(now)
    for clock in defn.clocks:
        if not clock.checkpoint_field:
            continue
        mine = [r for r in rows if r.clock == clock.name]
        if not mine:
            continue
        latest = max(r.opened_at for r in mine)
        for r in sorted((r for r in mine if r.opened_at == latest), key=lambda r: r.point):
            opens, due = window_opens(clock, r.due_at), calendar.local_date(r.due_at)
            if r.status == "met":
                status = "logged"
            elif r.status != "open":
                status = "cancelled"
            elif r.due_at < now:
                status = "overdue"
            elif today < opens:
                status = "not_yet_open"
            else:
                status = "open"
            out.append({"clock": clock, "point": r.point, "label": clock.due[r.point], "opens": opens, "due": due,
                        "status": status, "logged_on": calendar.local_date(r.closed_at) if status == "logged"
                        else None})
    return out


def suggested(trigger: str, listed: list[dict]) -> dict[str, str]:
    """{form field: checkpoint} a fresh form for `trigger` starts with: the first one that may be
    logged now (open or overdue), from listing()."""
    out = {}
    for c in listed:
        if trigger in c["clock"].met_by and c["status"] in ("open", "overdue"):
            out.setdefault(c["clock"].checkpoint_field, c["label"].get("name"))
    return out
