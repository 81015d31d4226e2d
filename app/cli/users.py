"""`baoxue users`: users, their roles at units, their API tokens and passwords."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from app import clock
from app.audit.history import CLI
from app.auth import accounts, tokens
from app.cli.common import fail
from app.district.org import add_user, find_user, reset_password, revoke_role, set_active
from app.errors import BaoxueError, NotFound
from app.extensions import db
from app.models import User

users = AppGroup("users", help="Users and their role assignments.")


def _roles_line(user) -> str:
    return (f"{user.username}{'' if user.active else ' (deactivated)'}: "
            + ", ".join(f"{a.role}@{a.unit.code}" for a in user.assignments))


def _user(username):
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    return user


@users.command("add")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--unit", "unit_code", required=True)
@click.option("--password")
@click.option("--name", "display_name", default="")
def users_add(username, role, unit_code, password, display_name):
    try:
        user = add_user(username, role, unit_code, password, display_name, by=CLI)
    except BaoxueError as e:
        fail(e)
    click.echo(_roles_line(user))


@users.command("revoke")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--unit", "unit_code", required=True)
def users_revoke(username, role, unit_code):
    """Take a role at a unit away from a user."""
    try:
        user = find_user(username)
        row = next((a for a in user.assignments if a.role == role and a.unit.code == unit_code), None)
        if row is None:
            raise click.ClickException(f"{username} has no role {role}@{unit_code}")
        revoke_role(row, CLI)
    except BaoxueError as e:
        fail(e)
    click.echo(_roles_line(user))


@users.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    """Switch a user off: sessions end, every API token is revoked for good (their history stays)."""
    _set_active(username, False)


@users.command("activate")
@click.argument("username")
def users_activate(username):
    """Switch a user back on (old tokens stay revoked)."""
    _set_active(username, True)


def _set_active(username, active):
    try:
        user = set_active(find_user(username), active, CLI)
    except BaoxueError as e:
        fail(e)
    click.echo(_roles_line(user))


@users.command("token")
@click.argument("username")
def users_token(username):
    """Print a new API token (expires after BAOXUE_TOKEN_DAYS days)."""
    click.echo(tokens.issue(_user(username), via="cli"))


@users.command("tokens")
@click.argument("username")
@click.option("--revoke", "revoke", metavar="ID|all", help="revoke one token by id, or all of them")
def users_tokens(username, revoke):
    """List a user's API tokens (never the token itself), or revoke one or all."""
    user = _user(username)
    if revoke is not None:
        if revoke != "all" and not revoke.isdigit():
            raise click.BadParameter("a token id or 'all'", param_hint="--revoke")
        try:
            done = tokens.revoke(user, None if revoke == "all" else int(revoke))
        except NotFound as e:
            fail(e)
        click.echo(f"revoked {len(done)} token(s)" + (f": {', '.join(map(str, done))}" if done else ""))
        return
    now = clock.now()
    for t in tokens.listing(user):
        state = "revoked" if t.revoked else ("expired" if t.expires_at and t.expires_at <= now else "live")
        click.echo(f"{t.id}\t{state}\tcreated {t.created_at:%Y-%m-%d %H:%M}\texpires "
                   f"{t.expires_at:%Y-%m-%d %H:%M}\tlast used {t.last_used_at or '-'}")


@users.command("password")
@click.argument("username")
@click.password_option("--password", prompt="新密码 new password", help="the new password (asked when absent)")
def users_password(username, password):
    """Set a user's password (the policy applies) and end all their sessions."""
    try:
        accounts.set_password(_user(username), password)
    except BaoxueError as e:
        fail(e)
    click.echo(f"{username}: password changed; every session ended")


@users.command("reset-password")
@click.argument("username")
def users_reset_password(username):
    """Give a user a temporary password (printed once) that they must change at their next login;
    their sessions end. The admin-event log records the reset, never the password."""
    try:
        temporary = reset_password(find_user(username), CLI)
    except BaoxueError as e:
        fail(e)
    click.echo(f"{username}: temporary password (shown once; to be changed at the next login): {temporary}")
