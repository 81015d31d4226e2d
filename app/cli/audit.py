"""`baoxue audit`: verify the cases' hash chains, and take a signed checkpoint of their heads."""
import os
import sys

import click
from flask.cli import AppGroup

from app import clock
from app.audit import chain as audit
from app.audit import checkpoint as audit_checkpoint
from app.reports import frozen

audit_group = AppGroup("audit", help="The audit trail.")


def _echo_verify(result, against_note=""):
    if result["ok"]:
        click.echo(f"ok: {result['events_checked']} events, every chain holds{against_note}")
        return
    b = result["first_broken"]
    click.echo(f"BROKEN: case {b['case_id']} event seq {b['seq']} (id {b['event_id']}): {b['reason']}")
    sys.exit(1)


@audit_group.command("verify")
@click.option("--case", "case_id", type=int)
@click.option("--against", "anchor",
              help="a checkpoint file (baoxue audit checkpoint), or a submitted report: its version id "
                   "(report:ID) or its exported JSON file; every event it recorded must still be there, unchanged")
def audit_verify(case_id, anchor):
    """Recompute the hash chains; exit 1 and name the first broken event if one does not hold."""
    body, note = None, ""
    if anchor:
        body, note = _anchor(anchor)
    total = audit.count_events(case_id)
    with click.progressbar(length=total, label="校验 verifying", file=sys.stderr) as bar:
        if body is None:
            result = audit.verify(case_id, progress=bar.update)
        else:
            result = audit_checkpoint.verify_against(body, case_id, progress=bar.update)
    _echo_verify(result, note)


def _anchor(anchor: str) -> tuple[dict, str]:
    """The checkpoint to verify against: a checkpoint file, a report version's export, or its id."""
    try:
        if os.path.isfile(anchor):
            with open(anchor, encoding="utf-8") as f:
                text = f.read()
            if '"' + frozen.EXPORT_FORMAT + '"' in text:
                body, what = frozen.anchor(text)
            else:
                body = audit_checkpoint.load(text)
                what = f"the checkpoint of {body['taken_at']}"
        elif anchor.removeprefix("report:").isdigit():
            body, what = frozen.anchor(anchor)
        else:
            raise click.BadParameter(f"{anchor}: no such file, nor a report version id (report:ID)",
                                     param_hint="--against")
    except (audit_checkpoint.CheckpointError, frozen.AnchorError, UnicodeDecodeError) as e:
        click.echo(f"BROKEN: {anchor}: {e}")
        sys.exit(1)
    return body, f", and holds {what} ({body['cases_total']} cases, {body['events_total']} events)"


@audit_group.command("checkpoint")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
              help="file to write (never overwritten; '-' prints it); default audit-checkpoint-<UTC time>.json")
def audit_checkpoint_cmd(out):
    """Verify every chain and write its head (seq, hash, event count) to a signed file to keep offline."""
    with click.progressbar(length=audit.count_events(), label="校验 verifying", file=sys.stderr) as bar:
        result, body = audit_checkpoint.take(progress=bar.update)
    if body is None:
        click.echo("no checkpoint written: a chain does not hold", err=True)
        _echo_verify(result)
    text = audit_checkpoint.dumps(body)
    if out == "-":
        click.echo(text, nl=False)
        return
    path = out or f"audit-checkpoint-{clock.now():%Y%m%dT%H%M%S}.json"  # UTC
    try:
        with open(path, "x", encoding="utf-8") as f:  # "x": an existing checkpoint is never replaced
            f.write(text)
    except FileExistsError:
        raise click.ClickException(f"{path} exists: a checkpoint is never overwritten; choose another --out") from None
    click.echo(f"checkpoint {path}: {body['cases_total']} cases, {body['events_total']} events, "
               f"hmac {body['hmac'][:16]}…; keep it outside the database (print it, store it offline)")
