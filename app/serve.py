"""`baoxue serve`: the whole system in one command — schema, demo data, Redis, RQ worker, web server."""
import os
import subprocess
import sys

import click


def run(app, *, host: str, port: int, with_demo: bool, with_worker: bool) -> None:
    from app.redis_conn import redis_url
    with app.app_context():
        if with_demo:
            from flask_migrate import upgrade

            from app import demo
            upgrade()
            if not demo.already_loaded():
                demo.load(progress=True)
        url = redis_url(app)
    env = dict(os.environ, REDIS_URL=url, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               BAOXUE_INSTANCE=app.instance_path)
    worker = subprocess.Popen([sys.executable, "-m", "worker"], env=env) if with_worker else None
    click.echo(f"\n保学 Baoxue is running: http://{host}:{port}/   (API: http://{host}:{port}/api/v1/openapi.json)")
    click.echo(f"database: {app.config['SQLALCHEMY_DATABASE_URI']}\nredis: {url}"
               f"\nworker: {'pid ' + str(worker.pid) if worker else 'not started'}")
    if with_demo:
        from app import demo
        with app.app_context():
            demo.print_logins(click.echo)
    try:
        from waitress import serve
        serve(app, host=host, port=port, threads=8)
    finally:
        if worker:
            worker.terminate()
            worker.wait(10)
