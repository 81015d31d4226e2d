"""The burst benchmark still runs (a few hundred actions, two worker processes) and its exactly-once and
audit-chain checks hold. The real figures come from running it by hand (docs/deadline-bursts.md)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IS_PG
from tests.test_bench_smoke import bench_url

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not IS_PG, reason="the benchmark measures PostgreSQL; runs in the PostgreSQL pass")
def test_burst_benchmark_clears_every_action_once_with_two_workers(redis_url):
    env = dict(os.environ, BENCH_DATABASE_URL=bench_url("baoxue_burst_smoke"), REDIS_URL=redis_url,
               BAOXUE_BURST_BATCH="50")  # several batches per worker even at this size
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "timers.py"), "burst", "400", "--workers", "2"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "400 due actions" in out.stdout and "2 worker(s)" in out.stdout
    assert "events per case {1: 400}, notifications 800, doubled 0" in out.stdout
    assert "exactly once ok; audit chain ok over 400 events" in out.stdout
