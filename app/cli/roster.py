"""`baoxue import pupils`: a roster file (CSV or XLSX) into the pupils table."""
import os
import sys

import click
from flask.cli import AppGroup

from app.audit.history import CLI
from app.roster.files import current_limits
from app.roster.importer import ImportFileError, count_rows, import_pupils, read_rows
from app.roster.pupils import EVERYWHERE

importer = AppGroup("import", help="Import data files.")


@importer.command("pupils")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--batch-size", default=500, show_default=True)
def import_pupils_cmd(path, batch_size):
    """Import a roster (CSV or XLSX); bad rows are listed with their line numbers."""
    limits = current_limits()
    if os.path.getsize(path) > limits.max_bytes:  # before reading it all into memory
        raise click.ClickException(f"文件超过 {limits.max_bytes:,} 字节 / the file is larger than {limits.max_bytes:,} bytes")
    with open(path, "rb") as f:
        data = f.read()
    try:
        total = count_rows(data, path)
        with click.progressbar(length=total, label="导入 importing", file=sys.stderr,
                               show_pos=True) as bar:
            report = import_pupils(read_rows(data, path), scope=EVERYWHERE, who=CLI, via="cli",
                                   filename=os.path.basename(path), batch_size=batch_size, progress=bar.update)
    except ImportFileError as e:
        raise click.ClickException(str(e)) from None
    for err in report.errors:  # each message names the column as the file's header does
        reasons = "; ".join(err["errors"].values())
        click.echo(f"line {err['line']} ({err['student_no'] or '-'}): {reasons}", err=True)
    for warn in report.warnings:  # imported, but a person should look (e.g. a birth date unlike the 学籍号's)
        reasons = "; ".join(warn["warnings"].values())
        click.echo(f"warning: line {warn['line']} ({warn['student_no']}): {reasons}", err=True)
    click.echo(f"rows {report.rows}: created {report.created}, updated {report.updated}, "
               f"unchanged {report.unchanged}, failed {len(report.errors)}, warnings {len(report.warnings)}")
    if report.errors:
        sys.exit(1)
