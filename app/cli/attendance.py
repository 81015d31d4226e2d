"""`baoxue attendance`: import a class register (CSV/XLSX, with a progress bar), run the early
warning now (what the worker's nightly job does)."""
import os
import sys

import click
from flask.cli import AppGroup

from app.attendance import jobs, register
from app.audit.history import CLI
from app.auth.scope import unit_by_code
from app.roster.files import ImportFileError, count_rows, current_limits
from app.roster.pupils import EVERYWHERE

attendance_group = AppGroup("attendance", help="Attendance and early warning.")


@attendance_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--class", "class_code", help="only pupils of this class (a class register)")
def import_cmd(path, class_code):
    """Import absences (学籍号, 日期, 是否请假, 原因); bad rows are listed with their line numbers."""
    limits = current_limits()
    if os.path.getsize(path) > limits.max_bytes:
        raise click.ClickException(f"文件超过 {limits.max_bytes:,} 字节 / the file is larger than {limits.max_bytes:,} bytes")
    klass = unit_by_code(class_code) if class_code else None
    if class_code and (klass is None or klass.kind != "class"):
        raise click.ClickException(f"没有班级 {class_code} / no class {class_code}")
    with open(path, "rb") as f:
        data = f.read()
    try:
        total = count_rows(data, path)
        with click.progressbar(length=total, label="导入 importing", file=sys.stderr, show_pos=True) as bar:
            report = register.import_register(register.read(data, path), scope=EVERYWHERE, who=CLI,
                                              class_id=klass.id if klass else None, progress=bar.update)
    except ImportFileError as e:
        raise click.ClickException(str(e)) from None
    for err in report.errors:
        click.echo(f"line {err['line']} ({err['student_no'] or '-'}): {'; '.join(err['errors'].values())}", err=True)
    click.echo(f"rows {report.rows}: created {report.created}, updated {report.updated}, "
               f"unchanged {report.unchanged}, failed {len(report.errors)}")
    if report.errors:
        sys.exit(1)


@attendance_group.command("warn")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="as of this day (default: today)")
def warn_cmd(day):
    """Run the early warning now: open cases for absence streaks, recompute the risk list."""
    result = jobs.run_now(day.date() if day is not None else None)
    if result.get("busy"):
        click.echo("another early-warning run is at work")
        return
    click.echo(", ".join(f"{k} {v}" for k, v in result.items()))
