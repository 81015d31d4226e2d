"""bench/load.py, small: gunicorn with 2 processes and 2 RQ workers on one PostgreSQL and one Redis, 6
concurrent API clients for a few seconds; no 5xx, no connection error, every audit chain whole after.
(The measured run is 50 clients for 60 s with 4 web processes: README, "Province scale".)"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import IS_PG, PG_URL, REDIS_URL

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not IS_PG or not REDIS_URL, reason="several processes on one database: PostgreSQL and a Redis server")
def test_a_short_load_run_has_no_server_error_and_a_whole_audit_chain():
    database = make_url(PG_URL).set(database="bench_load_smoke").render_as_string(hide_password=False)
    redis = REDIS_URL.rsplit("/", 1)[0] + "/11"  # its own database number: the suite flushes its own
    out = subprocess.run([sys.executable, "bench/load.py", "--clients", "6", "--seconds", "8", "--web-workers", "2",
                          "--rq-workers", "2", "--pupils", "200"], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, LOAD_DATABASE_URL=database, LOAD_REDIS_URL=redis), timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "RESULT: ok (5xx or connection errors: 0" in out.stdout
    assert "every chain holds" in out.stdout
    assert "server processes still running: 3 of 3" in out.stdout  # gunicorn (its master) and the 2 RQ workers
    steps = dict(re.findall(r"(\d{3}): (\d+)", re.search(r"^steps: (.*)$", out.stdout, re.M).group(1)))
    assert int(steps.get("200", 0)) > 0  # the clients did step cases, through every process
