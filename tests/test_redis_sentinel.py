"""Redis through Sentinel: with REDIS_SENTINELS set, the web app, RQ's queues and the worker find the
master by asking Sentinel, and find the new one after a failover without being reconfigured.

Real servers: a master, its replica and one Sentinel (quorum 1), each a redis-server process on a free
port of this machine, stopped at the end of the module.
"""
import shutil
import socket
import subprocess
import time

import pytest
from redis import Redis
from rq import Queue, get_current_job

from app import clock, create_app
from app.deadlines import calendar
from app.extensions import connection, db, limiter_storage, redis_url
from app.worker import run as run_worker
from tests.conftest import IS_PG, _truncate

MASTER = "bxtest"
pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until(check, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception:  # noqa: BLE001 — a server still starting
            pass
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds}s: {what}")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """{"master": port, "replica": port, "sentinel": port} of three running redis-server processes."""
    tmp = tmp_path_factory.mktemp("sentinel")
    ports = {"master": _free_port(), "replica": _free_port(), "sentinel": _free_port()}
    base = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    conf = tmp / "sentinel.conf"
    conf.write_text(f"port {ports['sentinel']}\nbind 127.0.0.1\n"
                    f"sentinel monitor {MASTER} 127.0.0.1 {ports['master']} 1\n"
                    f"sentinel down-after-milliseconds {MASTER} 1000\nsentinel failover-timeout {MASTER} 5000\n")
    procs = [subprocess.Popen(base + ["--port", str(ports["master"])], stdout=subprocess.DEVNULL),
             subprocess.Popen(base + ["--port", str(ports["replica"]), "--replicaof", "127.0.0.1", str(ports["master"])],
                              stdout=subprocess.DEVNULL),
             subprocess.Popen(["redis-server", str(conf), "--sentinel"], stdout=subprocess.DEVNULL)]
    try:
        watch = Redis(port=ports["sentinel"])
        _until(lambda: any(r["port"] == ports["replica"] and "s_down" not in r["flags"]
                           for r in watch.sentinel_slaves(MASTER)), "Sentinel knows the replica")
        yield ports
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)


@pytest.fixture
def app(database_url, servers, tmp_path):
    """The suite's app, its Redis found through Sentinel (no REDIS_URL)."""
    application = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None, "TESTING": True,
                              "REDIS_SENTINELS": f"127.0.0.1:{servers['sentinel']}", "REDIS_SENTINEL_MASTER": MASTER,
                              "REDIS_DB": 3})
    application.instance_path = str(tmp_path)
    if IS_PG:
        _truncate(application)
    clock.reset()
    calendar.invalidate()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def mark(key: str) -> str:
    """An RQ job: writes `key` through the worker's own connection (so: on the master it found)."""
    get_current_job().connection.set(key, "done")
    return key


def _master_port(servers) -> int:
    return int(Redis(port=servers["sentinel"]).sentinel_get_master_addr_by_name(MASTER)[1])


def _queue_and_work(app, key: str) -> None:
    Queue("baoxue-default", connection=connection(app)).enqueue(mark, key)
    assert run_worker(app, burst=True, cron=False) is True


def test_the_app_the_queues_and_the_worker_follow_a_failover(app, client, servers):
    assert redis_url(app).startswith(f"redis+sentinel://127.0.0.1:{servers['sentinel']}/{MASTER}/3")
    assert client.get("/healthz").get_json()["redis"] == "ok"
    first = _master_port(servers)
    assert first == servers["master"]
    _queue_and_work(app, "before")
    assert Redis(port=first, db=3).get("before") == b"done"  # the job ran, on the master, in db 3

    # Sentinel refuses a failover (NOGOODSLAVE) until its own view of the replica is fresh (it asks every
    # few seconds): ask again until it takes it
    _until(lambda: Redis(port=servers["sentinel"]).execute_command("SENTINEL", "FAILOVER", MASTER), "a failover started")
    second = _until(lambda: (p := _master_port(servers)) != first and p, "Sentinel names a new master")
    assert second == servers["replica"]
    _until(lambda: Redis(port=second).execute_command("ROLE")[0] == b"master", "the replica is promoted")
    # Until Sentinel demotes it, the old master still takes writes (they are lost when it becomes the new
    # master's replica: Sentinel's known window). Once demoted, it refuses them, and a client on it asks
    # Sentinel again: that is the behaviour under test.
    _until(lambda: Redis(port=first).execute_command("ROLE")[0] == b"slave", "the old master is demoted")

    # nothing reconfigured: the same app (its one client per process) asks Sentinel again
    _until(lambda: client.get("/healthz").get_json()["redis"] == "ok", "health after the failover", 15)
    _until(lambda: connection(app).set("after-set", "1"), "a write after the failover", 15)
    assert Redis(port=second, db=3).get("after-set") == b"1"
    _queue_and_work(app, "after")
    assert Redis(port=second, db=3).get("after") == b"done"


def test_the_request_limits_are_kept_through_sentinel(app, servers):
    uri, options = limiter_storage(app)
    assert uri == f"redis+sentinel://127.0.0.1:{servers['sentinel']}/{MASTER}" and options["db"] == 3
    client = app.test_client()
    limit = int(app.config["BAOXUE_RATE_TOKEN"].split()[0])
    # a new name each time: the per-account lockout (5 failures) stays out of it
    codes = [client.post("/api/v1/auth/token", json={"username": f"nobody{i}", "password": "x"}).status_code
             for i in range(limit + 1)]
    assert codes[-1] == 429 and 429 not in codes[:-1]
    # the window is in the master Sentinel names (db 3), where every web process sees it
    assert any(b"LIMITER" in k or b"limiter" in k.lower() for k in Redis(port=_master_port(servers), db=3).keys("*"))
