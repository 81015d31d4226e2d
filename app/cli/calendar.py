"""`baoxue calendar`: the working days deadlines count (official data, local overrides, weekends)."""
from datetime import datetime

import click
from flask.cli import AppGroup

from app.audit.history import CLI
from app.cli.common import fail
from app.deadlines.calendar import has_official_data
from app.deadlines.overrides import clear_day, set_day
from app.deadlines.overrides import month as month_days
from app.errors import BaoxueError

calendar_group = AppGroup("calendar", help="Working days: official data, overrides, fallback.")


@calendar_group.command("show")
@click.argument("month", metavar="YYYY-MM")
def calendar_show(month):
    """The month as deadlines count it: 班 = working day, 休 = day off; * marks an override."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise click.BadParameter("use YYYY-MM", param_hint="MONTH") from None
    if not has_official_data(first.year):
        click.echo(f"warning: no official calendar data for {first.year}: weekends only, plus overrides", err=True)
    click.echo(f"{first:%Y-%m}   一  二  三  四  五  六  日")
    days = month_days(first.year, first.month)
    line = ["   "] * first.weekday()
    for d in days:
        mark = ("班" if d["workday"] else "休") + ("*" if d["source"] == "override" else " ")
        line.append(f"{d['day'].day:>2}{mark}")
        if d["day"].weekday() == 6:
            click.echo("          " + " ".join(line))
            line = []
    if line:
        click.echo("          " + " ".join(line))
    for d in days:
        if d["note"] or d["source"] == "override":
            click.echo(f"  {d['day']}  {'workday' if d['workday'] else 'holiday'}  {d['source']}  {d['note']}")


@calendar_group.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("kind", type=click.Choice(["workday", "holiday", "clear"]))
@click.argument("note", required=False, default="")
def calendar_set(day, kind, note):
    """Override a day (workday|holiday), or `clear` the override."""
    if kind == "clear":
        done = clear_day(day.date(), by=CLI)
        click.echo(f"{day.date()}: {'override removed' if done else 'no override'}")
    else:
        try:
            done = set_day(day.date(), kind, note, by=CLI)
        except BaoxueError as e:
            fail(e)
        click.echo(f"{day.date()}: {kind} {note}".rstrip())
    moved = done.moved if done else 0
    click.echo(f"{moved} open deadline{'' if moved == 1 else 's'} re-timed"
               + (f" in {len(done.cases)} case{'' if len(done.cases) == 1 else 's'}" if moved else ""))
