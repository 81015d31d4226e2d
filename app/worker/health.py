"""What `baoxue worker status` checks: RQ workers that died, jobs they left "running", and deadline
actions that fail or that nothing has fired.

A worker killed with kill -9 leaves its key in Redis until its TTL runs out (RQ: worker_ttl + 60 s,
8 minutes by default) and its job in the started-job registry; the deadline rows are the truth, so
what died is removed here (the tick re-fires every due action) and the status says so. A worker is
dead when it ran on this host and its process is gone, or when its last heartbeat is older than its
key's TTL (a worker on another machine cannot be probed by pid).
"""
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rq import Queue, Worker, worker_registration
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry

STALE_AFTER = timedelta(seconds=420 + 60)  # rq's DEFAULT_WORKER_TTL + the 60 s its key outlives it


@dataclass
class Report:
    alive: list = field(default_factory=list)     # Worker
    dead: list = field(default_factory=list)      # (name, host, pid, last heartbeat)
    phantoms: list = field(default_factory=list)  # (job id, queue, worker name)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child nobody has waited for yet is a zombie: dead all the same
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def is_dead(worker, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    if worker.hostname == socket.gethostname() and not _pid_alive(worker.pid):
        return True
    beat = worker.last_heartbeat
    if beat is not None and beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)
    return beat is not None and now - beat > STALE_AFTER


def clean(conn, queue_names) -> Report:
    """Find dead workers and the jobs they left running; remove both. Returns what was found."""
    report = Report()
    for w in Worker.all(connection=conn):
        if is_dead(w):
            report.dead.append((w.name, w.hostname, w.pid, w.last_heartbeat))
            worker_registration.unregister(w)
            conn.delete(w.key)
        else:
            report.alive.append(w)
    live = {w.name for w in report.alive}
    for name in queue_names:
        queue = Queue(name, connection=conn)
        started = StartedJobRegistry(queue=queue)
        for job_id, execution in started.get_job_and_execution_ids(cleanup=False):
            job = Job.fetch(job_id, connection=conn) if conn.exists(Job.key_for(job_id)) else None
            worker = job.worker_name if job is not None else None
            if worker in live:
                continue
            report.phantoms.append((job_id, name, worker or "?"))
            conn.zrem(started.key, f"{job_id}:{execution}" if execution else job_id)
            if job is not None:
                job.delete()
        # RQ's own clean-up may have got there first: a job abandoned by a dead worker is moved to the
        # failed registry. It failed because its worker died, not because of what it does: the tick
        # re-fires the deadline action, so it is removed like the phantom it was.
        failed = FailedJobRegistry(queue=queue)
        for job in queue.job_class.fetch_many(failed.get_job_ids(), connection=conn):
            result = job.latest_result() if job is not None else None
            if result is not None and "AbandonedJobError" in (result.exc_string or ""):
                report.phantoms.append((job.id, name, job.worker_name or "?"))
                failed.remove(job, delete_job=True)
    return report
