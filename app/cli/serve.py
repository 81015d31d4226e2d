"""`baoxue serve`: the whole system in one command — schema, demo data, Redis, RQ worker, web server."""
import logging
import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from waitress import create_server

from app.extensions import redis_url, sentinels, stop_embedded
from demo import district as demo

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
WORKER_GRACE = 10  # seconds a worker gets to finish its job (RQ's warm shutdown) before it is killed


def _stop_on_signals() -> None:
    """`kill <pid>`, Ctrl-C or a closed terminal all end the run the same way: SystemExit in the main
    thread, which stops waitress's loop (it returns on SystemExit) or whatever step is under way, so
    run()'s `finally` stops the worker and the embedded Redis. Without this, SIGTERM and SIGHUP killed
    this process outright and left both running."""
    def stop(signum, _frame):
        for s in STOP_SIGNALS:  # a second signal must not interrupt the shutdown itself
            signal.signal(s, signal.SIG_IGN)
        click.echo(f"\n{signal.Signals(signum).name}: stopping the web server, the worker and Redis", err=True)
        raise SystemExit(0)
    for s in STOP_SIGNALS:
        signal.signal(s, stop)


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--demo/--no-demo", "with_demo", default=False, help="migrate and load demo data first")
@click.option("--worker/--no-worker", default=True, show_default=True)
def serve_cmd(host, port, with_demo, worker):
    """Web server + RQ worker (+ an embedded Redis when REDIS_URL is unset)."""
    run(current_app._get_current_object(), host=host, port=port, with_demo=with_demo, with_worker=worker)


def run(app, *, host: str, port: int, with_demo: bool, with_worker: bool) -> None:
    _stop_on_signals()
    worker = None
    try:
        with app.app_context():
            if with_demo:
                upgrade()
                if not demo.already_loaded():
                    demo.load(progress=True)
            url = redis_url(app)
        env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], BAOXUE_INSTANCE=app.instance_path,
                   **({} if sentinels(app) else {"REDIS_URL": url}))  # with Sentinel, the worker asks it too
        # Its own session (process group): the terminal's Ctrl-C reaches only this process, which stops the
        # worker in order; and killing the group takes the worker's cron child too if it will not stop.
        worker = subprocess.Popen([sys.executable, "-m", "worker"], env=env, start_new_session=True) \
            if with_worker else None
        click.echo(f"\n保学 Baoxue is running: http://{host}:{port}/   (API: http://{host}:{port}/api/v1/openapi.json)")
        click.echo(f"database: {app.config['SQLALCHEMY_DATABASE_URI']}\nredis: {url}"
                   f"\nworker: {'pid ' + str(worker.pid) if worker else 'not started'}")
        if with_demo:
            with app.app_context():
                demo.print_logins(click.echo)
        logging.basicConfig()  # as waitress.serve() does: its notices go to stderr
        server = create_server(app, host=host, port=port, threads=8)
        server.print_listen("Serving on http://{}:{}")
        server.run()  # returns on SystemExit (a stop signal) or KeyboardInterrupt
        server.close()
    finally:
        _stop_worker(worker)
        stop_embedded()


def _stop_worker(worker) -> None:
    if worker is None:
        return
    worker.terminate()  # RQ's warm shutdown: the job under way finishes, then the worker and its cron exit
    try:
        worker.wait(WORKER_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    try:  # a worker stopped before it could stop its own children (still starting up) leaves them behind
        os.killpg(worker.pid, signal.SIGKILL)
    except ProcessLookupError:  # nothing left of its process group: the usual case
        pass
