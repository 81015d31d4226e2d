"""The `baoxue` command: every operator task. `baoxue db upgrade` comes from Flask-Migrate."""
import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import select

from app.errors import BaoxueError
from app.extensions import db
from app.audit.history import CLI


def _create_app():
    from app import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, load_dotenv=False,
             set_debug_flag=False)
def cli():
    """保学 Baoxue: 控辍保学 case tracking."""


def main():
    cli(prog_name="baoxue")


def _fail(err: BaoxueError):
    fields = getattr(err, "fields", None) or {}
    detail = "; ".join(f"{k}: {v}" for k, v in fields.items())
    raise click.ClickException(f"{err.message}{' — ' + detail if detail else ''}")


units = AppGroup("units", help="Org units: district → school → grade → class.")
users = AppGroup("users", help="Users and their role assignments.")
importer = AppGroup("import", help="Import data files.")
audit_group = AppGroup("audit", help="The audit trail.")
calendar_group = AppGroup("calendar", help="Working days: official data, overrides, fallback.")
deadlines_group = AppGroup("deadlines", help="Deadline clocks: the sweep, overdue work.")


@units.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(["district", "school", "grade", "class", "department"]))
@click.option("--parent", "parent_code")
@click.option("--enrolment", type=int, default=0)
def units_add(code, name, kind, parent_code, enrolment):
    from app.district.org import add_unit
    try:
        unit = add_unit(code, name, kind, parent_code, enrolment, by=CLI)
    except BaoxueError as e:
        _fail(e)
    click.echo(f"added {unit.kind} {unit.code} {unit.name}")


@units.command("list")
def units_list():
    from app.models import OrgUnit
    for u in db.session.execute(select(OrgUnit).order_by(OrgUnit.path)).scalars():
        depth = u.path.count("/") - 2
        click.echo(f"{'  ' * depth}{u.code}\t{u.kind}\t{u.name}\t{u.enrolment or ''}")


@users.command("add")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--unit", "unit_code", required=True)
@click.option("--password")
@click.option("--name", "display_name", default="")
def users_add(username, role, unit_code, password, display_name):
    from app.district.org import add_user
    try:
        user = add_user(username, role, unit_code, password, display_name, by=CLI)
    except BaoxueError as e:
        _fail(e)
    click.echo(_roles_line(user))


def _roles_line(user) -> str:
    return (f"{user.username}{'' if user.active else ' (deactivated)'}: "
            + ", ".join(f"{a.role}@{a.unit.code}" for a in user.assignments))


@units.command("enrolment")
@click.argument("code")
@click.argument("enrolment", type=int)
def units_enrolment(code, enrolment):
    """Set a school's, grade's or class's enrolment (在校生数)."""
    from app.district.org import find_unit, set_enrolment
    try:
        unit = set_enrolment(find_unit(code), enrolment, CLI)
    except BaoxueError as e:
        _fail(e)
    click.echo(f"{unit.code}: enrolment {unit.enrolment}")


@users.command("revoke")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--unit", "unit_code", required=True)
def users_revoke(username, role, unit_code):
    """Take a role at a unit away from a user."""
    from app.district.org import find_user, revoke_role
    try:
        user = find_user(username)
        row = next((a for a in user.assignments if a.role == role and a.unit.code == unit_code), None)
        if row is None:
            raise click.ClickException(f"{username} has no role {role}@{unit_code}")
        revoke_role(row, CLI)
    except BaoxueError as e:
        _fail(e)
    click.echo(_roles_line(user))


@users.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    """Switch a user off: sessions end, every API token is revoked for good (their history stays)."""
    _set_active(username, False)


@users.command("activate")
@click.argument("username")
def users_activate(username):
    """Switch a user back on (old tokens stay revoked)."""
    _set_active(username, True)


def _set_active(username, active):
    from app.district.org import find_user, set_active
    try:
        user = set_active(find_user(username), active, CLI)
    except BaoxueError as e:
        _fail(e)
    click.echo(_roles_line(user))


def _user(username):
    from app.models import User
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    return user


@users.command("token")
@click.argument("username")
def users_token(username):
    """Print a new API token (expires after BAOXUE_TOKEN_DAYS days)."""
    from app.auth import tokens
    click.echo(tokens.issue(_user(username), via="cli"))


@users.command("tokens")
@click.argument("username")
@click.option("--revoke", "revoke", metavar="ID|all", help="revoke one token by id, or all of them")
def users_tokens(username, revoke):
    """List a user's API tokens (never the token itself), or revoke one or all."""
    from app import clock
    from app.auth import tokens
    from app.errors import NotFound
    user = _user(username)
    if revoke is not None:
        if revoke != "all" and not revoke.isdigit():
            raise click.BadParameter("a token id or 'all'", param_hint="--revoke")
        try:
            done = tokens.revoke(user, None if revoke == "all" else int(revoke))
        except NotFound as e:
            _fail(e)
        click.echo(f"revoked {len(done)} token(s)" + (f": {', '.join(map(str, done))}" if done else ""))
        return
    now = clock.now()
    for t in tokens.listing(user):
        state = "revoked" if t.revoked else ("expired" if t.expires_at and t.expires_at <= now else "live")
        click.echo(f"{t.id}\t{state}\tcreated {t.created_at:%Y-%m-%d %H:%M}\texpires "
                   f"{t.expires_at:%Y-%m-%d %H:%M}\tlast used {t.last_used_at or '-'}")


@users.command("password")
@click.argument("username")
@click.password_option("--password", prompt="新密码 new password", help="the new password (asked when absent)")
def users_password(username, password):
    """Set a user's password (the policy applies) and end all their sessions."""
    from app.auth import accounts
    try:
        accounts.set_password(_user(username), password)
    except BaoxueError as e:
        _fail(e)
    click.echo(f"{username}: password changed; every session ended")


@importer.command("pupils")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--batch-size", default=500, show_default=True)
def import_pupils_cmd(path, batch_size):
    """Import a roster (CSV or XLSX); bad rows are listed with their line numbers."""
    from app.roster.files import current_limits
    from app.roster.importer import ImportFileError, count_rows, import_pupils, read_rows
    from app.roster.pupils import EVERYWHERE
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
    for err in report.errors:
        reasons = "; ".join(f"{k}: {v}" for k, v in err["errors"].items())
        click.echo(f"line {err['line']} ({err['student_no'] or '-'}): {reasons}", err=True)
    for warn in report.warnings:  # imported, but a person should look (e.g. a birth date unlike the 学籍号's)
        reasons = "; ".join(f"{k}: {v}" for k, v in warn["warnings"].items())
        click.echo(f"warning: line {warn['line']} ({warn['student_no']}): {reasons}", err=True)
    click.echo(f"rows {report.rows}: created {report.created}, updated {report.updated}, "
               f"unchanged {report.unchanged}, failed {len(report.errors)}, warnings {len(report.warnings)}")
    if report.errors:
        sys.exit(1)


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
    from app.audit import chain as audit
    from app.audit import checkpoint as audit_checkpoint
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
    from app import clock
    from app.audit import chain as audit
    from app.audit import checkpoint as audit_checkpoint
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


@click.command("grants")
@click.argument("app_role")
@click.option("--print", "print_only", is_flag=True, help="show the SQL instead of running it")
@with_appcontext
def db_grants(app_role, print_only):
    """Give APP_ROLE the app's privileges (run as the tables' owner, after every `db upgrade`): SELECT and
    INSERT only on the event tables, the usual four elsewhere; no ownership. Idempotent."""
    from app.audit.grants import GrantError, apply, plan
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


@calendar_group.command("show")
@click.argument("month", metavar="YYYY-MM")
def calendar_show(month):
    """The month as deadlines count it: 班 = working day, 休 = day off; * marks an override."""
    from datetime import datetime as _dt

    from app.deadlines.overrides import month as month_days
    from app.deadlines.calendar import has_official_data
    try:
        first = _dt.strptime(month, "%Y-%m").date()
    except ValueError:
        raise click.BadParameter("use YYYY-MM", param_hint="MONTH") from None
    if not has_official_data(first.year):
        click.echo(f"warning: no official calendar data for {first.year}: weekends only, plus overrides", err=True)
    click.echo(f"{first:%Y-%m}   一  二  三  四  五  六  日")
    days = month_days(first.year, first.month)
    line = ["   "] * first.weekday()
    for d in days:
        mark = ("班" if d["workday"] else "休") + ("*" if d["source"] == "override" else " ")
        line.append(f"{d['day'].day:>2}{mark}")
        if d["day"].weekday() == 6:
            click.echo("          " + " ".join(line))
            line = []
    if line:
        click.echo("          " + " ".join(line))
    for d in days:
        if d["note"] or d["source"] == "override":
            click.echo(f"  {d['day']}  {'workday' if d['workday'] else 'holiday'}  {d['source']}  {d['note']}")


@calendar_group.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("kind", type=click.Choice(["workday", "holiday", "clear"]))
@click.argument("note", required=False, default="")
def calendar_set(day, kind, note):
    """Override a day (workday|holiday), or `clear` the override."""
    from app.deadlines.overrides import clear_day, set_day
    if kind == "clear":
        done = clear_day(day.date(), by=CLI)
        click.echo(f"{day.date()}: {'override removed' if done else 'no override'}")
    else:
        try:
            done = set_day(day.date(), kind, note, by=CLI)
        except BaoxueError as e:
            _fail(e)
        click.echo(f"{day.date()}: {kind} {note}".rstrip())
    moved = done.moved if done else 0
    click.echo(f"{moved} open deadline{'' if moved == 1 else 's'} re-timed"
               + (f" in {len(done.cases)} case{'' if len(done.cases) == 1 else 's'}" if moved else ""))


@deadlines_group.command("sweep")
def deadlines_sweep():
    """Fire every due reminder/overdue/escalation now (what the worker's sweep does every minute)."""
    from flask import current_app

    from app.deadlines import actions, timers
    result = actions.sweep()
    result.pop("next")
    if result.pop("busy", None):
        click.echo("another sweep is at work (this or another machine): it fires what is due")
    try:
        timers.plan(current_app)
    except Exception as e:  # noqa: BLE001 — the rows are done; the worker's tick sets the alarms
        click.echo(f"warning: alarms not set ({type(e).__name__}); the worker's tick will set them", err=True)
    done = {k: v for k, v in result.items() if k not in ("skipped", "early")}
    click.echo(", ".join(f"{k} {v}" for k, v in sorted(done.items())) or "nothing due")


@deadlines_group.command("list")
@click.option("--overdue", is_flag=True, help="only deadlines past due")
def deadlines_list(overdue):
    """Open deadlines, soonest first (level L0 = not overdue)."""
    from app import clock
    from app.deadlines import calendar
    from app.models import Deadline
    q = select(Deadline).where(Deadline.status == "open").order_by(Deadline.due_at)
    if overdue:
        q = q.where(Deadline.due_at < clock.now())
    rows = db.session.execute(q).scalars().all()
    for d in rows:
        click.echo(f"#{d.case_id:<6} {d.clock:<20} {d.point} due {calendar.local_date(d.due_at)}  L{d.level}  "
                   f"next {d.next_action or '-'} {d.next_action_at or ''}")
    click.echo(f"{len(rows)} {'overdue' if overdue else 'open'} deadline(s)")


@click.command("demo")
@with_appcontext
@click.option("--pupils", default=200, show_default=True)
@click.option("--cases", default=40, show_default=True)
@click.option("--seed", default=2026, show_default=True)
def demo_cmd(pupils, cases, seed):
    """Load the demo district (3 schools, every role, ~200 pupils, ~40 cases) and print its logins."""
    from demo import district as demo
    if demo.already_loaded():
        click.echo("demo data already present")
    else:
        demo.load(pupils=pupils, cases=cases, seed=seed, progress=True)
    demo.print_logins(click.echo)


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--demo/--no-demo", "with_demo", default=False, help="migrate and load demo data first")
@click.option("--worker/--no-worker", default=True, show_default=True)
def serve_cmd(host, port, with_demo, worker):
    """Web server + RQ worker (+ an embedded Redis when REDIS_URL is unset)."""
    from app.cli import serve
    serve.run(current_app._get_current_object(), host=host, port=port, with_demo=with_demo, with_worker=worker)


@click.group("worker", invoke_without_command=True)
@click.option("--burst", is_flag=True, help="process what is queued, then exit")
@click.pass_context
@with_appcontext
def worker_cmd(ctx, burst):
    """Same as `python worker.py`: an RQ worker with its scheduler on Baoxue's queues."""
    if ctx.invoked_subcommand is None:
        from app import worker
        worker.run(current_app._get_current_object(), burst=burst)


@worker_cmd.command("status")
@with_appcontext
def worker_status():
    """Workers (dead ones and the jobs they left running are removed), queues, scheduled timers, the
    failed-job registry, and deadline actions failing or late. Exit 1 while anything needs a person."""
    from rq import Queue
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    from app.worker import health as worker_health
    from app.extensions import connection
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
    from datetime import timedelta

    from app import clock
    from app.deadlines import incidents
    from app.worker import SWEEP_INTERVAL
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


def register(app):
    from flask_migrate.cli import db as db_group  # Flask-Migrate's `db` group: `baoxue db grants` beside upgrade
    if "grants" not in db_group.commands:
        db_group.add_command(db_grants)
    for command in (units, users, importer, audit_group, calendar_group, deadlines_group, demo_cmd, serve_cmd,
                    worker_cmd):
        app.cli.add_command(command)
