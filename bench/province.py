"""A province on one PostgreSQL database: build it by bulk SQL, then measure the reads at every scope.

1. Build (bench/province_build.py): BENCH_DATABASE_URL is dropped, re-created and migrated to head, then
   filled with 50 districts x 30 schools (grades 7-9, 8 classes each), 5 x N pupils and N cases
   replicated from cases walked step by step as the engine would (bench/web.py), with their events,
   deadlines, notifications, assignees and partners; progress per phase; VACUUM ANALYZE at the end.
2. Measure (bench/province_harness.py): p50/p95 of each request (case list API and page with filters
   and a deep page, dashboard page and API, case page, timeline) for a school admin, a district's bureau
   officer and the province's, in-process with the Flask test client; target 100 ms p95.

    python bench/province.py [--cases 1000000] [--requests 20] [--rounds 2] [--reuse] [--build-only]
                             [--explain] [--json FILE] [--seed 2026]

BENCH_DATABASE_URL defaults to postgresql+psycopg://postgres@127.0.0.1:5432/province; --reuse keeps its
data (applies new migrations, re-ANALYZEs) so a change of code can be re-measured on the same province.
REDIS_URL (default redis://127.0.0.1:6379/1) serves the login rate limiter. The audit key is fixed
(province_build.AUDIT_KEY), so the sampled chains verify from any checkout of a copied database.
"""
import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/province")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")

import engine_vs_sql as base  # noqa: E402  (fresh_database(): drop and re-create BENCH_DATABASE_URL)
import province_build as build  # noqa: E402
import province_harness as harness  # noqa: E402
import web  # noqa: E402  (migrate_to, Statements)

URL = base.URL


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=20, help="measured requests per request and scope")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--reuse", action="store_true", help="keep the built province; apply new migrations")
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--explain", action="store_true",
                    help="EXPLAIN (ANALYZE, BUFFERS) key lines for every row (default: the rows over target)")
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--only", help="measure only the requests whose name contains this (e.g. 'dashboard')")
    ap.add_argument("--skip", help="leave out the requests whose name contains this (e.g. 'search')")
    ap.add_argument("--scopes", default="school,district,province", help="the scopes measured, comma-separated")
    args = ap.parse_args(argv)
    from redis import Redis

    from app import create_app
    Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    if not args.reuse:
        base.fresh_database()
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "REDIS_URL": os.environ["REDIS_URL"],
                      "SECRET_KEY": "bench-province", "AUDIT_KEY": build.AUDIT_KEY})
    with app.app_context():
        web.migrate_to("head")
    out = {"url": URL.rsplit("@", 1)[-1]}
    if not args.reuse:
        info = build.build(app, URL, args.cases, args.seed)
        print(f"built in {info['total_s']:.1f} s; database {info['bytes'] / 2**30:.2f} GiB; {info['counts']}")
        print(f"  audit chains: {info['counts']['cases'] and info['rehashed_events']} events of the sampled cases "
              "re-hashed and valid; every other case keeps its template's hashes (placeholders: nothing measured "
              "verifies them)")
        out["build"] = info
    else:
        build.vacuum(URL.replace("+psycopg", ""))
        out["build"] = {"counts": build.table_counts(URL.replace("+psycopg", ""))}
        print(f"reusing {out['url']}: {out['build']['counts']}")
    if args.build_only:
        _write(args.json, out)
        return 0
    out["rollup_s"] = refresh_rollup(app)
    stats = web.Statements(web._engine(app))
    rounds, ctx = [], None
    for r in range(args.rounds):
        rows, ctx = harness.measure(app, args.requests, stats, seed=7 + r, only=args.only, skip=args.skip,
                                   scopes=tuple(args.scopes.split(",")))
        rounds.append(rows)
        print(f"\nround {r + 1}: {args.requests} requests per request and scope (after 1 warm-up); load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(harness.table(rows, ctx))
    print(f"\nmedians over {args.rounds} rounds:")
    print(harness.summary(rounds, ctx))
    out["rounds"] = [harness.figures(rows, ctx) for rows in rounds]
    out["explain"] = {}
    for row in rounds[-1]:
        if args.explain or web.pct(row.times, 95) > harness.TARGET_MS:
            lines = harness.explain(app, row)
            out["explain"][f"{row.name} / {row.scope}"] = lines
            print("\n" + "\n".join(lines))
    _write(args.json, out)
    with app.app_context():  # leave no connection to the database open (others copy it as a template)
        from app.extensions import db
        db.engine.dispose()
    bad = [r for rows in rounds for r in rows if any(k >= 500 for k in r.statuses) or r.chain_broken]
    return 1 if bad else 0


def refresh_rollup(app) -> float:
    """The dashboard's rollup, counted as the worker counts it every minute (the dashboard reads it)."""
    import time

    from app.reports import rollup
    with app.app_context():
        t = time.perf_counter()
        result = rollup.refresh()
        seconds = time.perf_counter() - t
    print(f"dashboard rollup refreshed in {seconds:.1f} s ({result['units']} units, {result['groups']} groups); "
          f"the worker refreshes it every {rollup.INTERVAL} s")
    return seconds


def _write(path, out):
    if path:
        Path(path).write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    sys.exit(main())
