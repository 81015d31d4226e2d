"""The engine-vs-SQL benchmark still runs (tiny N, one round). The real figures come from running it
by hand (see README, Performance); timing is not asserted here."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IS_PG, PG_URL

ROOT = Path(__file__).resolve().parents[1]


def bench_url(name: str) -> str:
    # Named after the test database, so concurrent runs on one server (each its own database) never
    # drop each other's benchmark database.
    base, test_db = PG_URL.rsplit("/", 1)
    return f"{base}/{name}_{test_db}"


@pytest.mark.skipif(not IS_PG, reason="the benchmark measures PostgreSQL; runs in the PostgreSQL pass")
def test_engine_benchmark_runs_and_keeps_the_audit_chain(redis_url):
    url = bench_url("baoxue_bench_smoke")
    env = dict(os.environ, BENCH_DATABASE_URL=url, BENCH_ROUNDS="1", REDIS_URL=redis_url)
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "engine_vs_sql.py"), "3"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "hand-written SQL" in out.stdout and "ratio" in out.stdout
    assert "audit chain       ok over 78 events" in out.stdout  # 3 lifecycles x 13 steps, engine and SQL


@pytest.mark.skipif(not IS_PG, reason="the benchmark measures PostgreSQL; runs in the PostgreSQL pass")
def test_web_benchmark_runs_on_a_small_district(redis_url):
    url = bench_url("baoxue_web_smoke")
    env = dict(os.environ, BENCH_DATABASE_URL=url, REDIS_URL=redis_url)
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "web.py"), "--pupils", "600", "--cases", "120",
                          "--requests", "3", "--rounds", "1"], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    for page in ("/cases", "/dashboard", "timeline"):
        assert page in out.stdout, page


@pytest.mark.skipif(not IS_PG, reason="the benchmark measures PostgreSQL; runs in the PostgreSQL pass")
def test_engine_benchmark_with_clients_flush_settings_and_cold_start(redis_url):
    url = bench_url("baoxue_bench_clients_smoke")
    env = dict(os.environ, BENCH_DATABASE_URL=url, BENCH_ROUNDS="1", REDIS_URL=redis_url)
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "engine_vs_sql.py"), "1", "--clients", "1,2",
                          "--sync", "on,off", "--cold"], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    rows = [line.split() for line in out.stdout.splitlines() if line.split()[:1] in (["on"], ["off"])]
    # one row per (flush, clients): both sides' rates, their ratio and each side's CPU per step
    assert [(r[0], r[1]) for r in rows] == [("on", "1"), ("on", "2"), ("off", "1"), ("off", "2")], out.stdout
    assert all(r[4].endswith("x") and float(r[2]) > 0 and float(r[3]) > 0 for r in rows), out.stdout
    assert "cold start, sync on, 2 fresh processes" in out.stdout
    assert "cold start, sync off, 2 fresh processes" in out.stdout
    # (2 settings x (1 + 2 clients) x 2 sides x (1 warm-up + 1 round) + 2 x 2 cold clients x 4) x 13 steps
    assert "audit chain       ok over 520 events" in out.stdout


def test_the_client_options_are_read_as_given():
    sys.path.insert(0, str(ROOT))
    from bench import engine_clients
    assert engine_clients._options(["7", "--clients", "1,4,16", "--sync", "on,off", "--cold"]) == (
        7, [1, 4, 16], ["on", "off"], True)
    assert engine_clients._options(["--clients=2"]) == (50, [2], ["on"], False)
    with pytest.raises(SystemExit):
        engine_clients._options(["--sync", "maybe"])
