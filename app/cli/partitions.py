"""`baoxue db partitions` (the months ahead, rows out of DEFAULT) and `baoxue notifications archive`."""
import sys

import click
from flask.cli import AppGroup, with_appcontext

from app import clock
from app.extensions import db
from app.partitions import AHEAD, archive, maintain, months


@click.command("partitions")
@click.option("--ahead", type=click.IntRange(0, 36), default=AHEAD, show_default=True,
              help="months to have beyond the current one")
@with_appcontext
def db_partitions(ahead):
    """Create the monthly partitions up to AHEAD months past this one, and move rows that landed in a
    DEFAULT partition into their month's (PostgreSQL; idempotent: the worker runs it daily too)."""
    if db.engine.dialect.name != "postgresql":
        click.echo("SQLite: the tables are not partitioned; nothing to do")
        return
    todo = maintain.pending(db.engine, clock.now().date(), ahead)
    with click.progressbar(length=len(todo), label="分区 partitions", file=sys.stderr, show_pos=True) as bar:
        done = maintain.run(db.engine, todo, progress=bar.update)
    moved = sum(n for _, n in done)
    click.echo(f"{len(done)} partitions created, {moved} rows moved out of DEFAULT"
               + "".join(f"\n  {name}" + (f" ({n} rows from DEFAULT)" if n else "") for name, n in done))


notifications_group = AppGroup("notifications", help="The users' inboxes.")


def _default_before():
    return months.add(months.of(clock.now()), -12)


@notifications_group.command("archive")
@click.option("--before", "before", metavar="YYYY-MM",
              help="move notifications created before the first day of this month (default: 12 months ago)")
@click.option("--all", "everything", is_flag=True,
              help="unread ones too (default: only read ones; a notice whose email is pending never moves)")
def notifications_archive(before, everything):
    """Move old notifications out of the inbox table into notifications_archive (idempotent)."""
    try:
        month = months.parse(before) if before else _default_before()
    except ValueError:
        raise click.BadParameter(f"{before!r} is not YYYY-MM", param_hint="--before") from None
    with db.engine.connect() as conn:
        todo = archive.pending_months(conn, month, everything)
    with click.progressbar(length=len(todo), label="归档 archiving", file=sys.stderr, show_pos=True) as bar:
        result = archive.run(db.engine, month, everything, progress=bar.update, todo=todo)
    which = "all" if everything else "read"
    click.echo(f"{result['detached'] + result['moved']} {which} notifications before "
               f"{months.first_day(month).isoformat()} archived from {result['months']} months "
               f"({result['detached']} in whole partitions detached, {result['moved']} moved row by row)")
