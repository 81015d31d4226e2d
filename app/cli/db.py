"""`baoxue db grants`, beside Flask-Migrate's `db upgrade`: the app role's privileges."""
import click
from flask.cli import with_appcontext

from app.audit.grants import GrantError, apply, plan
from app.extensions import db


@click.command("grants")
@click.argument("app_role")
@click.option("--print", "print_only", is_flag=True, help="show the SQL instead of running it")
@with_appcontext
def db_grants(app_role, print_only):
    """Give APP_ROLE the app's privileges (run as the tables' owner, after every `db upgrade`): SELECT and
    INSERT only on the event tables, the usual four elsewhere; no ownership. Idempotent."""
    try:
        with db.engine.begin() as conn:
            statements = plan(conn, app_role)
            if not print_only:
                apply(conn, statements)
    except GrantError as e:
        raise click.ClickException(str(e)) from None
    if print_only:
        click.echo(";\n".join(statements) + ";")
    else:
        click.echo(f"{app_role}: {len(statements)} statements applied; connect the web and worker processes as it")
