"""bench/province.py builds a tiny province by bulk SQL whose rows are consistent the way the engine leaves
them, and its harness measures every request at every scope without an error. Timing is not asserted:
the real figures come from running it by hand at 1,000,000 cases."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IS_PG
from tests.test_bench_smoke import bench_url

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not IS_PG, reason="the province benchmark is PostgreSQL only (bulk SQL, its "
                                                   "plans); it runs in the PostgreSQL pass")


@pytest.fixture(scope="module")
def province(tmp_path_factory, redis_url):
    url = bench_url("province_smoke")
    out = tmp_path_factory.mktemp("province") / "figures.json"
    env = dict(os.environ, BENCH_DATABASE_URL=url, REDIS_URL=redis_url)
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "province.py"), "--cases", "1000", "--requests", "2",
                          "--rounds", "1", "--json", str(out)], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    import psycopg
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        yield conn, json.loads(out.read_text()), run.stdout
    with psycopg.connect(url.rsplit("/", 1)[0].replace("+psycopg", "") + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def one(conn, sql):
    return conn.execute(sql).fetchone()[0]


def test_sizes_scale_with_the_cases(province):
    conn, figures, stdout = province
    assert one(conn, "SELECT count(*) FROM cases") == 1000
    assert one(conn, "SELECT count(*) FROM pupils") == 5000
    assert one(conn, "SELECT count(*) FROM org_units WHERE kind = 'school'") == 60  # 2 districts x 30
    for table in ("case_events", "deadlines", "notifications", "case_assignees"):
        assert one(conn, f"SELECT count(*) FROM {table}") > 1000, table
    assert figures["build"]["counts"]["cases"] == 1000
    for phase in ("pupils", "case_events", "VACUUM ANALYZE"):
        assert phase in stdout


def test_every_case_sits_in_its_school_in_its_district(province):
    conn, _, _ = province
    assert one(conn, """SELECT count(*) FROM cases c JOIN pupils p ON p.id = c.pupil_id
                        JOIN org_units k ON k.id = p.class_id JOIN org_units s ON s.id = c.school_id
                        JOIN org_units d ON d.id = s.parent_id
                        WHERE NOT (k.kind = 'class' AND c.unit_path = k.path AND s.kind = 'school'
                                   AND c.unit_path LIKE s.path || '%' AND d.kind = 'district'
                                   AND s.path LIKE d.path || '%' AND c.subject_key = 'pupil:' || p.id)""") == 0


def test_one_case_per_pupil(province):
    conn, _, _ = province
    assert one(conn, "SELECT count(DISTINCT pupil_id) FROM cases") == 1000


def test_the_overdue_flag_agrees_with_the_open_deadlines(province):
    conn, _, _ = province
    assert one(conn, """SELECT count(*) FROM cases c WHERE c.overdue IS DISTINCT FROM EXISTS (
                        SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.status = 'open' AND d.level > 0)""") == 0
    assert one(conn, "SELECT count(*) FROM cases WHERE overdue") > 0
    assert one(conn, "SELECT count(*) FROM cases WHERE NOT overdue AND closed_at IS NULL") > 0


def test_last_seq_is_the_number_of_events(province):
    conn, _, _ = province
    assert one(conn, """SELECT count(*) FROM cases c LEFT JOIN (SELECT case_id, count(*) n, max(seq) top
                        FROM case_events GROUP BY case_id) e ON e.case_id = c.id
                        WHERE e.n IS DISTINCT FROM c.last_seq OR e.top IS DISTINCT FROM c.last_seq""") == 0
    assert one(conn, "SELECT count(*) FROM cases WHERE closed_at IS NULL AND state LIKE 'closed%'") == 0


def test_users_are_remapped_to_the_cases_own_staff(province):
    conn, _, _ = province
    # every named actor holds a role over the case's class (or is a partner invited to it)
    assert one(conn, """SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
                        JOIN users u ON u.id = e.actor_id
                        WHERE u.username <> e.actor OR NOT EXISTS (
                            SELECT 1 FROM role_assignments r JOIN org_units o ON o.id = r.unit_id
                            WHERE r.user_id = e.actor_id AND (c.unit_path LIKE o.path || '%'
                               OR (r.role = 'partner' AND EXISTS (SELECT 1 FROM case_partners p
                                   WHERE p.case_id = c.id AND p.user_id = e.actor_id))))""") == 0
    assert one(conn, """SELECT count(*) FROM notifications n JOIN deadlines d ON d.id = n.deadline_id
                        WHERE d.case_id <> n.case_id OR n.title NOT LIKE '%#' || n.case_id || ' %'""") == 0
    assert one(conn, "SELECT count(*) FROM notifications n LEFT JOIN deadlines d ON d.id = n.deadline_id "
                     "WHERE d.id IS NULL") == 0
    assert one(conn, """SELECT count(*) FROM case_events WHERE action = 'open'
                        AND (data::jsonb #>> '{form,student_id}')::int IS DISTINCT FROM
                            (SELECT pupil_id FROM cases WHERE id = case_id)""") == 0


def test_pupil_numbers_are_valid_and_unique(province):
    from forms.pupil_numbers import parse
    conn, _, _ = province
    numbers = [r[0] for r in conn.execute("SELECT student_no FROM pupils ORDER BY id")]
    assert len(set(numbers)) == len(numbers)
    for number in numbers[::97]:
        parse(number)  # raises on a wrong check digit or date


def test_the_harness_measures_every_request_at_every_scope(province):
    conn, figures, stdout = province
    rows = figures["rounds"][0]
    assert len(rows) == 14 * 3
    assert {(r["request"], r["scope"]) for r in rows} >= {
        ("API list", "province"), ("page list deep page", "district"), ("page dashboard", "school"),
        ("API dashboard", "province"), ("page timeline", "school")}
    for r in rows:
        assert r["n"] == 2 and r["p50_ms"] > 0 and r["p95_ms"] >= r["p50_ms"], r
        assert r["statuses"] == {"200": 2}, r  # no 5xx (nor any other refusal) for any request
        assert r["chain_not_ok"] == 0, r  # the timelines opened show valid audit chains
    assert "medians over 1 rounds" in stdout and "✓" in stdout + "✗"
    assert one(conn, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()") == 1
