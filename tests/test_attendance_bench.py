"""The early-warning benchmark still runs (a small district, PostgreSQL). The real figures come from
running it by hand (`python bench/attendance.py`: 100,000 pupils × 180 school days); timing is not
asserted here."""
import os
import subprocess
import sys

import pytest

from tests.conftest import IS_PG
from tests.test_bench_smoke import ROOT, bench_url


@pytest.mark.skipif(not IS_PG, reason="the benchmark measures PostgreSQL; runs in the PostgreSQL pass")
def test_attendance_benchmark_runs_and_the_job_is_idempotent(redis_url):
    env = dict(os.environ, BENCH_DATABASE_URL=bench_url("baoxue_attendance_smoke"), REDIS_URL=redis_url)
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "attendance.py"), "--pupils", "1000", "--days", "40",
                          "--streaks", "5"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "'opened': 5" in out.stdout and "idempotent        ok" in out.stdout
