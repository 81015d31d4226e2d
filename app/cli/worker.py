"""`baoxue worker`: an RQ worker on Baoxue's queues; `baoxue worker status`: is anything stuck?"""
import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import Queue
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from app import clock
from app import worker
from app.deadlines import incidents
from app.extensions import connection, db
from app.worker import SWEEP_INTERVAL
from app.worker import health as worker_health


@click.group("worker", invoke_without_command=True)
@click.option("--burst", is_flag=True, help="process what is queued, then exit")
@click.pass_context
@with_appcontext
def worker_cmd(ctx, burst):
    """Same as `python worker.py`: an RQ worker with its scheduler on Baoxue's queues."""
    if ctx.invoked_subcommand is None:
        worker.run(current_app._get_current_object(), burst=burst)


@worker_cmd.command("status")
@with_appcontext
def worker_status():
    """Workers (dead ones and the jobs they left running are removed), queues, scheduled timers, the
    failed-job registry, and deadline actions failing or late. Exit 1 while anything needs a person."""
    conn = connection(current_app)
    health = worker_health.clean(conn, current_app.config["RQ_QUEUES"])
    workers = health.alive
    click.echo(f"workers: {len(workers)}")
    for w in workers:
        job = w.get_current_job_id()
        click.echo(f"  {w.name}  {w.get_state()}  {'job ' + job if job else ''}")
    for name, host, pid, beat in health.dead:
        click.echo(f"  dead worker {name} (host {host}, pid {pid}, last heartbeat {beat:%Y-%m-%d %H:%M:%S}Z): removed")
    for job_id, queue_name, worker_name in health.phantoms:
        click.echo(f"  phantom job {job_id} on {queue_name} (worker {worker_name} gone): removed; "
                   "the tick re-fires what is due")
    failed_total = 0
    for name in current_app.config["RQ_QUEUES"]:
        q = Queue(name, connection=conn)
        failed = FailedJobRegistry(queue=q)
        failed_total += failed.count
        click.echo(f"queue {name}: queued {q.count}, scheduled {ScheduledJobRegistry(queue=q).count}, "
                   f"running {StartedJobRegistry(queue=q).count}, failed {failed.count}")
        for job in q.job_class.fetch_many(failed.get_job_ids(0, 9), connection=conn):
            if job is not None:
                last = (job.latest_result().exc_string if job.latest_result() else "") or ""
                click.echo(f"  failed {job.id}  {job.func_name}  {last.strip().splitlines()[-1:] or ''}")
    troubles = _deadline_troubles()
    if failed_total or troubles:
        sys.exit(1)


def _deadline_troubles() -> int:
    """Print the deadline actions that fail (incidents) or that nothing fired for two sweep intervals."""
    failing = incidents.unresolved()
    click.echo(f"failing deadline actions: {len(failing)}")
    for f in failing:
        click.echo(f"  #{f.id} case #{f.case_id} deadline {f.deadline_id} {f.action} "
                   f"due {f.action_at:%Y-%m-%d %H:%M}Z: "
                   f"{f.attempts} attempt(s) since {f.first_failed_at:%Y-%m-%d %H:%M}Z, next retry "
                   f"{f.next_retry_at:%H:%M:%S}Z — {f.error.splitlines()[0] if f.error else ''}")
    late = incidents.late(timedelta(seconds=2 * SWEEP_INTERVAL), clock.now())
    click.echo(f"late deadline actions (due over {2 * SWEEP_INTERVAL} s ago, not fired): {len(late)}"
               f"{'+' if len(late) == 20 else ''}")
    for deadline_id, case_id, action, at in late:
        click.echo(f"  case #{case_id} deadline {deadline_id} {action} due {at:%Y-%m-%d %H:%M:%S}Z")
    db.session.rollback()
    return len(failing) + len(late)
