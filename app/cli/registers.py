"""`baoxue registers import|compare`: a county register (户籍, 脱贫户) into its district's snapshot, and
the 四查三比对 comparisons run."""
import os
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app import clock
from app.audit.history import CLI
from app.deadlines import calendar
from app.extensions import db
from app.models import OrgUnit
from app.registers import REGISTERS, school_year_of
from app.registers.compare import compare
from app.registers.files import limits
from app.registers.loading import BadRows, import_register
from app.roster.files import ImportFileError, count_rows

registers_group = AppGroup("registers", help="四查三比对: import registers, compare them with the roster.")


def _district(code: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code, OrgUnit.kind == "district"))
    if unit is None:
        raise click.ClickException(f"没有区县 {code} / no district {code}")
    return unit


@registers_group.command("import")
@click.argument("register", type=click.Choice(REGISTERS))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--district", "code", required=True, help="the district's unit code")
def import_cmd(register, path, code):
    """Replace the district's snapshot of REGISTER with the file (CSV or XLSX); bad rows listed by line."""
    district = _district(code)
    cap = limits()
    if os.path.getsize(path) > cap.max_bytes:
        raise click.ClickException(f"文件超过 {cap.max_bytes:,} 字节 / the file is larger than {cap.max_bytes:,} bytes")
    with open(path, "rb") as f:
        data = f.read()
    try:
        total = count_rows(data, path, cap)
        with click.progressbar(length=total, label="导入 importing", file=sys.stderr, show_pos=True) as bar:
            run = import_register(data, os.path.basename(path), district=district, register=register, who=CLI,
                                  via="cli", progress=bar.update)
    except ImportFileError as e:
        raise click.ClickException(str(e)) from None
    except BadRows as e:
        for row in e.extra["rows"]:
            click.echo(f"line {row['line']}: {'; '.join(row['errors'].values())}", err=True)
        raise click.ClickException(e.fields["file"]) from None
    click.echo(f"rows {run.rows}: inserted {run.inserted}, updated {run.updated}, deleted {run.deleted}")


@registers_group.command("compare")
@click.option("--district", "code", required=True, help="the district's unit code")
@click.option("--year", type=click.IntRange(2000, 2100), help="the school year's first year (default: this one)")
def compare_cmd(code, year):
    """Run the comparisons: new mismatches, changed ones, and those resolved since the last run."""
    district = _district(code)
    year = year or school_year_of(calendar.local_date(clock.now()))
    run = compare(district, year)
    click.echo(f"school year {run.school_year} (age on {run.cutoff}): found {run.found}, new {run.new}, "
               f"changed {run.changed}, resolved {run.resolved}")
