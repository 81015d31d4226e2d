"""`baoxue rechecks draw|list`: the county's quarterly re-check (抽查复验) drawn and listed at the command
line, as the bureau officer named (the draw and the cases it opens are recorded under a person)."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app import rechecks
from app.auth.actor import Actor
from app.cli.common import fail
from app.errors import BaoxueError
from app.extensions import db
from app.models import User

rechecks_group = AppGroup("rechecks", help="抽查复验: draw a quarter's re-checks of the pupils struck off the ledgers.")


def _actor(username: str) -> Actor:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"没有用户 {username} / no user {username}")
    return Actor(user)


def _show(result: dict) -> None:
    d = result["draw"]
    if d is None:
        click.echo(f"{result['quarter']} {result['district']}: no draw")
        return
    click.echo(f"{result['quarter']} {result['district']}: seed {d['seed']}, share {d['share']} %, "
               f"population {d['population']}, drawn {len(d['drawn'])}, done {result['done']}")
    for c in result["checks"]:
        click.echo(f"  pupil {c['pupil_id']} {c['name']}: case {c['case_id'] or '-'} {c['state'] or '-'}")


@rechecks_group.command("draw")
@click.option("--quarter", required=True, help="YYYY-Qn, e.g. 2026-Q4")
@click.option("--as", "username", required=True, help="the bureau officer drawing")
@click.option("--district", default=None, help="the district's unit code (default: the officer's)")
@click.option("--share", type=click.IntRange(1, 100), default=None, help=f"percent drawn (default {rechecks.SHARE})")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None, help="the random seed (default: a new one)")
def draw_cmd(quarter, username, district, share, seed):
    """Draw the quarter's re-checks (once per quarter: again shows the earlier draw) and open their cases."""
    actor = _actor(username)
    try:
        unit = rechecks.district_of(actor, district)
        label, first, last = rechecks.quarter_of(quarter)
        total = len(rechecks.struck_off(actor, unit, first, last))
        size = rechecks.sample_size(total, rechecks.SHARE if share is None else share)
        with click.progressbar(length=size, label="开案 opening", file=sys.stderr, show_pos=True) as bar:
            result, new = rechecks.draw(actor, label, unit.code, share, seed, progress=bar.update)
    except BaoxueError as e:
        fail(e)
    click.echo("drawn now" if new else "drawn before: the earlier draw")
    _show(result)


@rechecks_group.command("list")
@click.option("--quarter", required=True, help="YYYY-Qn")
@click.option("--as", "username", required=True, help="the bureau officer reading")
@click.option("--district", default=None, help="the district's unit code (default: the officer's)")
def list_cmd(quarter, username, district):
    """The quarter's draw and each check's state."""
    try:
        _show(rechecks.listing(_actor(username), quarter, district))
    except BaoxueError as e:
        fail(e)
