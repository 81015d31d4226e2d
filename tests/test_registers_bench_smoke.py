"""bench/registers.py still runs (a small register; the figures come from running it by hand, see the
notes). Timing is not asserted; the benchmark itself asserts the re-import and re-run change nothing."""
import os
import subprocess
import sys

import pytest

from tests.conftest import IS_PG
from tests.test_bench_smoke import ROOT, bench_url


@pytest.mark.skipif(not IS_PG, reason="the benchmark measures PostgreSQL; runs in the PostgreSQL pass")
def test_registers_benchmark_runs_on_a_small_county(redis_url):
    env = dict(os.environ, BENCH_DATABASE_URL=bench_url("baoxue_registers_smoke"), REDIS_URL=redis_url)
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "registers.py"), "3000"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "import the same file again" in out.stdout and "inserted 0, updated 0, deleted 0" in out.stdout
    assert "RESULT import" in out.stdout and "'not_enrolled'" in out.stdout
