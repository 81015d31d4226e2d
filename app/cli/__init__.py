"""The `baoxue` command: every operator task, one module per command group. `baoxue db upgrade` comes
from Flask-Migrate (its `db` group gets `grants` beside it)."""
import click
from flask.cli import FlaskGroup
from flask_migrate.cli import db as db_group

from app import create_app
from app.cli.attendance import attendance_group
from app.cli.audit import audit_group
from app.cli.calendar import calendar_group
from app.cli.db import db_grants
from app.cli.deadlines import deadlines_group
from app.cli.demo import demo_cmd
from app.cli.partitions import db_partitions, notifications_group
from app.cli.rechecks import rechecks_group
from app.cli.registers import registers_group
from app.cli.roster import importer
from app.cli.serve import serve_cmd
from app.cli.units import units
from app.cli.users import users
from app.cli.worker import worker_cmd

COMMANDS = (units, users, importer, attendance_group, registers_group, rechecks_group, audit_group, calendar_group, deadlines_group,
            demo_cmd, serve_cmd, worker_cmd, notifications_group)


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=True, load_dotenv=False,
             set_debug_flag=False)
def cli():
    """保学 Baoxue: 控辍保学 case tracking."""


def main():
    cli(prog_name="baoxue")


def register(app):
    if "grants" not in db_group.commands:
        db_group.add_command(db_grants)
    if "partitions" not in db_group.commands:
        db_group.add_command(db_partitions)
    for command in COMMANDS:
        app.cli.add_command(command)
