"""`baoxue deadlines`: run the sweep now, list the open (or overdue) deadlines."""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app import clock
from app.deadlines import actions, calendar, timers
from app.extensions import db
from app.models import Deadline

deadlines_group = AppGroup("deadlines", help="Deadline clocks: the sweep, overdue work.")


@deadlines_group.command("sweep")
def deadlines_sweep():
    """Fire every due reminder/overdue/escalation now (what the worker's sweep does every minute)."""
    result = actions.sweep()
    result.pop("next")
    if result.pop("busy", None):
        click.echo("another sweep is at work (this or another machine): it fires what is due")
    try:
        timers.plan(current_app)
    except Exception as e:  # noqa: BLE001 — the rows are done; the worker's tick sets the alarms
        click.echo(f"warning: alarms not set ({type(e).__name__}); the worker's tick will set them", err=True)
    done = {k: v for k, v in result.items() if k not in ("skipped", "early")}
    click.echo(", ".join(f"{k} {v}" for k, v in sorted(done.items())) or "nothing due")


@deadlines_group.command("list")
@click.option("--overdue", is_flag=True, help="only deadlines past due")
def deadlines_list(overdue):
    """Open deadlines, soonest first (level L0 = not overdue)."""
    q = select(Deadline).where(Deadline.status == "open").order_by(Deadline.due_at)
    if overdue:
        q = q.where(Deadline.due_at < clock.now())
    rows = db.session.execute(q).scalars().all()
    for d in rows:
        click.echo(f"#{d.case_id:<6} {d.clock:<20} {d.point} due {calendar.local_date(d.due_at)}  L{d.level}  "
                   f"next {d.next_action or '-'} {d.next_action_at or ''}")
    click.echo(f"{len(rows)} {'overdue' if overdue else 'open'} deadline(s)")
