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
