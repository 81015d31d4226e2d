"""The conformance run: schemathesis against the RUNNING app, on PostgreSQL, as several roles.

    python tests/conformance/run.py            # BAOXUE_CONF_SUFFIX=h5 -> database baoxue_conf_h5

It creates its own database `baoxue_conf_<suffix>` (dropped first, so every run starts alike),
runs `baoxue db upgrade` and `baoxue demo`, starts `baoxue serve --no-worker` (waitress) on a free
port with the machine's Redis, takes a bearer token for each role in ROLES through POST
/api/v1/auth/token, then runs schemathesis once per role against /api/v1/openapi.json with the
checks in CHECKS. Bounded: at most --max-examples test cases per operation and phase, and
--budget seconds of fuzzing in all, shared between the roles. Exit 1 on any failure schemathesis
reports (a 5xx, a body that does not match the document, an undocumented status or content type)
or on any traceback in the server's log.

Environment: BAOXUE_CONF_SUFFIX (default "ci"), BAOXUE_CONF_PG (server URL without a database,
default postgresql+psycopg://postgres@127.0.0.1:5432), BAOXUE_CONF_REDIS_URL (default
redis://127.0.0.1:6379/14). Destructive operations run too: the database is the run's own.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Demo users (demo/district.py): the district's officer, a school's admin, a class teacher, a supervisor,
# a partner department and the administrator; every one has the password below.
ROLES = ["bureau", "s01_admin", "s01_g7c1_teacher", "supervisor", "partner_town", "admin"]
PASSWORD = "baoxue-demo"
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance"]


def say(msg: str) -> None:
    print(f"\n== conformance: {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_database(server: str, name: str) -> None:
    import psycopg
    with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    import psycopg
    with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def baoxue(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "baoxue"), *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    raise SystemExit(f"no answer from {url} within {seconds:.0f} s")


def token(base: str, username: str) -> str:
    req = urllib.request.Request(f"{base}/auth/token", method="POST",
                                 data=json.dumps({"username": username, "password": PASSWORD}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["token"]


def schemathesis(base: str, role: str, bearer: str, args, seconds: int, report: Path) -> int:
    cmd = [str(BIN / "schemathesis"), "run", f"{base}/openapi.json",
           "--header", f"Authorization: Bearer {bearer}",
           "--checks", ",".join(CHECKS), "--max-examples", str(args.max_examples),
           "--max-time", str(seconds), "--workers", "1", "--seed", str(args.seed),
           "--request-timeout", "30", "--generation-database", "none", "--no-color",
           "--suppress-health-check", "too_slow,filter_too_much",
           "--generation-allow-x00", "false" if args.no_x00 else "true",
           "--report", "junit", "--report-junit-path", str(report)]
    if args.phases:
        cmd += ["--phases", args.phases]
    if args.exclude_operations:
        cmd += ["--exclude-path-regex", args.exclude_operations]
    say(f"schemathesis as {role} ({seconds} s budget)")
    return subprocess.run(cmd, cwd=ROOT).returncode


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--max-examples", type=int, default=25, help="test cases per operation and phase")
    p.add_argument("--budget", type=int, default=300, help="seconds of schemathesis in all (shared by roles)")
    p.add_argument("--seed", type=int, default=int(os.environ.get("BAOXUE_CONF_SEED", "2026")))
    p.add_argument("--roles", default=",".join(ROLES))
    p.add_argument("--exclude-operations", default="", help="a path regex to leave out (debugging only)")
    p.add_argument("--phases", default="", help="schemathesis phases (default: all four)")
    p.add_argument("--no-x00", action="store_true", help="generate no NUL characters (debugging only)")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = p.parse_args()

    suffix = re.sub(r"[^a-z0-9_]", "_", os.environ.get("BAOXUE_CONF_SUFFIX", "ci").lower())
    server_url = os.environ.get("BAOXUE_CONF_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    db_name = f"baoxue_conf_{suffix}"
    redis_url = os.environ.get("BAOXUE_CONF_REDIS_URL", "redis://127.0.0.1:6379/14")
    instance = Path(tempfile.mkdtemp(prefix=f"baoxue-conf-{suffix}-"))
    env = dict(os.environ, DATABASE_URL=f"{server_url}/{db_name}", REDIS_URL=redis_url,
               BAOXUE_INSTANCE=str(instance), SECRET_KEY="conformance-run")
    started = time.monotonic()

    say(f"database {db_name}, redis {redis_url}")
    recreate_database(server_url, db_name)
    import redis
    redis.Redis.from_url(redis_url).flushdb()
    baoxue(env, "db", "upgrade")
    baoxue(env, "demo", "--pupils", "120", "--cases", "30")

    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    log_path = instance / "server.log"
    log = open(log_path, "w")
    server = subprocess.Popen([str(BIN / "baoxue"), "serve", "--no-worker", "--host", "127.0.0.1", "--port",
                               str(port)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    failed = []
    try:
        wait_for(f"{base}/openapi.json", server)
        roles = [r for r in args.roles.split(",") if r]
        bearers = {r: token(base, r) for r in roles}
        share = max(args.budget // len(roles), 10)
        for role in roles:
            report = ROOT / "conformance-report" / f"{role}.xml"
            report.parent.mkdir(exist_ok=True)
            if schemathesis(base, role, bearers[role], args, share, report) != 0:
                failed.append(role)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        log.close()
    text = log_path.read_text(errors="replace")
    tracebacks = text.count("Traceback (most recent call last)")
    if tracebacks:
        say(f"{tracebacks} traceback(s) in the server log:")
        print(text[-6000:])
    if not args.keep:
        drop_database(server_url, db_name)
        shutil.rmtree(instance, ignore_errors=True)
    say(f"{len(roles)} roles in {time.monotonic() - started:.0f} s; "
        f"failing: {', '.join(failed) or 'none'}; server tracebacks: {tracebacks}")
    return 1 if failed or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
