"""`baoxue audit`: verify the cases' hash chains, and take a signed checkpoint of their heads."""
import sys

import click
from flask.cli import AppGroup

from app import clock
from app.audit import chain as audit
from app.audit import checkpoint as audit_checkpoint

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
@click.option("--against", "checkpoint", type=click.Path(exists=True, dir_okay=False),
              help="a checkpoint file (baoxue audit checkpoint): its events must all still be there, unchanged")
def audit_verify(case_id, checkpoint):
    """Recompute the hash chains; exit 1 and name the first broken event if one does not hold."""
    body, note = None, ""
    if checkpoint:
        try:
            with open(checkpoint, encoding="utf-8") as f:
                body = audit_checkpoint.load(f.read())
        except (audit_checkpoint.CheckpointError, UnicodeDecodeError) as e:
            click.echo(f"BROKEN: checkpoint {checkpoint}: {e}")
            sys.exit(1)
        note = (f", and holds the checkpoint of {body['taken_at']} ({body['cases_total']} cases, "
                f"{body['events_total']} events)")
    total = audit.count_events(case_id)
    with click.progressbar(length=total, label="校验 verifying", file=sys.stderr) as bar:
        if body is None:
            result = audit.verify(case_id, progress=bar.update)
        else:
            result = audit_checkpoint.verify_against(body, case_id, progress=bar.update)
    _echo_verify(result, note)


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
