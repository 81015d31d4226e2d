"""`baoxue units`: the org tree (district → school → grade → class, and partner departments)."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.audit.history import CLI
from app.auth.roles import UNIT_KINDS
from app.cli.common import fail
from app.district.org import add_unit, find_unit, set_enrolment
from app.errors import BaoxueError
from app.extensions import db
from app.models import OrgUnit

units = AppGroup("units", help="Org units: district → school → grade → class.")


@units.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(UNIT_KINDS))
@click.option("--parent", "parent_code")
@click.option("--enrolment", type=int, default=0)
def units_add(code, name, kind, parent_code, enrolment):
    try:
        unit = add_unit(code, name, kind, parent_code, enrolment, by=CLI)
    except BaoxueError as e:
        fail(e)
    click.echo(f"added {unit.kind} {unit.code} {unit.name}")


@units.command("list")
def units_list():
    for u in db.session.execute(select(OrgUnit).order_by(OrgUnit.path)).scalars():
        depth = u.path.count("/") - 2
        click.echo(f"{'  ' * depth}{u.code}\t{u.kind}\t{u.name}\t{u.enrolment or ''}")


@units.command("enrolment")
@click.argument("code")
@click.argument("enrolment", type=int)
def units_enrolment(code, enrolment):
    """Set a school's, grade's or class's enrolment (在校生数)."""
    try:
        unit = set_enrolment(find_unit(code), enrolment, CLI)
    except BaoxueError as e:
        fail(e)
    click.echo(f"{unit.code}: enrolment {unit.enrolment}")
