"""Many processes against one PostgreSQL and one Redis: gunicorn web workers and RQ workers under
concurrent clients (a benchmark, not a timed test; tests/test_bench_load.py runs a small one).

    python bench/load.py [--clients 50] [--seconds 60] [--web-workers 4] [--rq-workers 2] [--pupils 600]

1. LOAD_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/bench_load) is dropped and
   re-created: `baoxue db upgrade`, then the demo district (`baoxue demo`) with --pupils pupils.
2. Starts gunicorn ('app:create_app()', --web-workers processes) and --rq-workers `python worker.py`
   processes (each with its cron: the tick is idempotent), all sharing the database, REDIS_URL
   (default redis://127.0.0.1:6379/8, flushed first), SECRET_KEY and BAOXUE_AUDIT_KEY, as separate
   machines would: nothing one process holds in memory is needed by another.
3. --clients threads, each logged in through the API as a school admin, the bureau officer or a class
   teacher, for --seconds: list cases (filters, next pages by cursor), read a case and its timeline,
   the dashboard, open a case for a pupil, and fire the transitions a case offers, at the version
   it read: clients work on the same cases, so two firing at once race and the loser gets 409.
4. Afterwards: `baoxue audit verify` over every case's chain.

Prints requests/s, p50/p95 per kind of request, every status seen; exits 1 on any 5xx, any
connection error, or a broken chain.
"""
import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.payloads import VALID  # noqa: E402  (a valid body for every trigger)

URL = os.environ.get("LOAD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load")
REDIS = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/8")
PASSWORD = "baoxue-demo"
# The canned bodies name test users; the demo district's are these.
DEMO_NAMES = {"invite_partner": {"username": "partner_town"}, "revoke_partner": {"username": "partner_town"}}
SKIPPED = {"assign"}  # who may be assigned depends on the case's school: not a step of the lifecycle
USERS = ["s01_admin", "s02_admin", "s03_admin", "bureau", "s01_g7c1_teacher", "s02_g8c1_teacher"]


def fresh_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url
    u = make_url(url)
    admin = u.set(database="postgres").render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{u.database}"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BAOXUE = [sys.executable, "-c", "from app.cli import main; main()"]  # this interpreter's install, venv or not


def _baoxue(env, *args) -> subprocess.CompletedProcess:
    out = subprocess.run([*BAOXUE, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"baoxue {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out


class Client:
    """One user's keep-alive HTTP connection to the JSON API."""

    def __init__(self, port: int, username: str):
        self.port, self.username, self.conn, self.token = port, username, None, None
        status, body = self.call("POST", "/auth/token", {"username": username, "password": PASSWORD}, kind=None)
        if status != 201:
            raise SystemExit(f"{username}: token refused ({status} {body})")
        self.token = body["token"]

    def call(self, method, path, body=None, kind=None, log=None):
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        for attempt in (1, 2):  # a keep-alive connection the server closed is opened again, once
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request(method, "/api/v1" + path, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                status = r.status
                break
            except (http.client.HTTPException, ConnectionError, OSError) as e:
                self.conn = None
                if attempt == 2:
                    status, raw = 0, repr(e).encode()
        ms = (time.perf_counter() - started) * 1000
        if log is not None and kind:
            log.append((kind, status, ms, raw[:300] if status >= 500 or status == 0 else b""))
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None


def work(client: Client, until: float, rng: random.Random, shared: dict, log: list) -> None:
    def pick_case():
        return rng.choice(shared["cases"][client.username]) if shared["cases"][client.username] else None

    while time.monotonic() < until:
        roll = rng.random()
        if roll < 0.15:
            status, body = client.call("GET", "/cases?per_page=20" + rng.choice(["", "&overdue=1", "&state=visiting"]),
                                       kind="list", log=log)
            nxt = (body or {}).get("next") if status == 200 else None
            if nxt:  # the next page by its cursor (the `next` link the list gave)
                client.call("GET", nxt.removeprefix("/api/v1"), kind="list next page", log=log)
        elif roll < 0.30:
            case = pick_case()
            if case:
                client.call("GET", f"/cases/{case}/timeline", kind="timeline", log=log)
        elif roll < 0.37:
            client.call("GET", "/dashboard", kind="dashboard", log=log)
        elif roll < 0.42 and shared["pupils"][client.username]:
            pupil = rng.choice(shared["pupils"][client.username])
            status, body = client.call("POST", "/cases", {"student_id": pupil, "detected_on": VALID["report"]["dropout_date"],
                                                           "source": "teacher", "note": "连续 5 天未到校"},
                                       kind="open case", log=log)
            if status == 201:
                shared["cases"][client.username].append(body["id"])
        else:
            case = pick_case()
            if not case:
                continue
            status, body = client.call("GET", f"/cases/{case}", kind="case", log=log)
            choices = [t for t in (body or {}).get("available_transitions", []) if t in VALID and t not in SKIPPED] if status == 200 else []
            if choices:
                trigger = rng.choice(choices)
                payload = dict(VALID[trigger], **DEMO_NAMES.get(trigger, {}), version=body["version"])
                status, answer = client.call("POST", f"/cases/{case}/transitions/{trigger}", payload, kind="step", log=log)
                if status == 422:
                    shared["refused"][trigger] += 1


def _scope(client: Client) -> tuple[list[int], list[int]]:
    cases, path = [], "/cases?per_page=200"
    while path:
        status, body = client.call("GET", path)
        cases += [c["id"] for c in body["items"]]
        path = body["next"].removeprefix("/api/v1") if body.get("next") else None
    status, body = client.call("GET", "/students?per_page=200")
    pupils = [p["id"] for p in (body or {}).get("items", [])] if status == 200 else []
    return cases, pupils


def _wait_healthy(port: int, procs, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise SystemExit("a server process exited during start-up")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("the web server did not become healthy")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def report(log: list, seconds: float) -> tuple[int, int]:
    by_kind = defaultdict(list)
    statuses = Counter()
    for kind, status, ms, _ in log:
        by_kind[kind].append(ms)
        statuses[status] += 1
    print(f"\n{len(log)} requests in {seconds:.0f} s: {len(log) / seconds:.0f} requests/s")
    print(f"{'request':<16} {'n':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for kind in sorted(by_kind):
        v = by_kind[kind]
        print(f"{kind:<16} {len(v):>7} {statistics.median(v):>8.1f} {percentile(v, 0.95):>8.1f}")
    print("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    steps = Counter(status for kind, status, _, _ in log if kind == "step")
    print("steps: " + ", ".join(f"{s}: {n}" for s, n in sorted(steps.items())) + "  (409: a race lost, as it should be)")
    bad = [(k, s, body) for k, s, _, body in log if s >= 500 or s == 0]
    for k, s, body in bad[:10]:
        print(f"  {s} on {k}: {body[:200]!r}")
    return len(bad), steps.get(409, 0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--web-workers", type=int, default=4)
    ap.add_argument("--rq-workers", type=int, default=2)
    ap.add_argument("--pupils", type=int, default=600)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)

    fresh_database(URL)
    from redis import Redis
    Redis.from_url(REDIS).flushdb()
    instance = tempfile.mkdtemp(prefix="bx-load-")
    env = dict(os.environ, DATABASE_URL=URL, REDIS_URL=REDIS, SECRET_KEY=secrets.token_hex(32),
               BAOXUE_AUDIT_KEY=secrets.token_hex(32), BAOXUE_INSTANCE=instance,
               BAOXUE_RATE_TOKEN="100000 per minute", BAOXUE_RATE_EXPORT="100000 per minute")
    started = time.monotonic()
    _baoxue(env, "db", "upgrade")
    _baoxue(env, "demo", "--pupils", str(args.pupils), "--cases", "40", "--seed", str(args.seed))
    print(f"database and demo district: {time.monotonic() - started:.1f} s")

    port = _free_port()
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.web_workers), "--worker-class", "gthread",
                            "--threads", "4", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                            "app:create_app()"], env=env, cwd=ROOT, start_new_session=True)
    workers = [subprocess.Popen([sys.executable, "worker.py"], env=env, cwd=ROOT, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(args.rq_workers)]
    procs = [web, *workers]
    try:
        _wait_healthy(port, procs)
        print(f"gunicorn: {args.web_workers} processes on port {port}; RQ workers: {args.rq_workers}")
        rng = random.Random(args.seed)
        clients = [Client(port, USERS[i % len(USERS)]) for i in range(args.clients)]
        shared = {"cases": {}, "pupils": {}, "refused": Counter()}
        for c in clients:
            if c.username not in shared["cases"]:
                shared["cases"][c.username], shared["pupils"][c.username] = _scope(c)
        log: list = []
        until = time.monotonic() + args.seconds
        t0 = time.monotonic()
        threads = [threading.Thread(target=work, args=(c, until, random.Random(rng.random()), shared, log))
                   for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        bad, races = report(log, elapsed)
        print("steps refused as 422 (a guard or the canned body: not a fault), by trigger: "
              + ", ".join(f"{t} {n}" for t, n in shared["refused"].most_common()))
        alive = [p for p in procs if p.poll() is None]
        print(f"server processes still running: {len(alive)} of {len(procs)}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
    verify = subprocess.run([*BAOXUE, "audit", "verify"], env=env, capture_output=True, text=True, cwd=ROOT)
    print(f"baoxue audit verify: exit {verify.returncode}\n{verify.stdout.strip()[-600:]}")
    shutil.rmtree(instance, ignore_errors=True)
    ok = bad == 0 and verify.returncode == 0 and len(alive) == len(procs)
    print("RESULT: " + ("ok" if ok else "FAILED") + f" (5xx or connection errors: {bad}, races lost as 409: {races})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
