"""Timings and plans of the queries partitioning affects, on a database made by bench/partitions_data.sql:
`python bench/partitions.py postgresql://postgres@127.0.0.1:5432/DB [runs]`. Prints, per query, the
median and p95 execution time (EXPLAIN ANALYZE's) over `runs` runs and the partitions the plan scans."""
import re
import statistics
import sys

import psycopg

QUERIES = {
    # app/audit/chain.py events(): a case's timeline, in seq order (no time bound: every month's index is probed)
    "timeline of a case": "SELECT * FROM case_events WHERE case_id = {case} ORDER BY seq",
    # the same bounded by the case's opening (what a timeline may add to be pruned to the case's months)
    "timeline of a case since it opened": "SELECT * FROM case_events WHERE case_id = {case} AND at >= '{opened}' ORDER BY seq",
    # a month of the access log (app/privacy/access_log.py lists it newest first)
    "a month of the access log": "SELECT * FROM access_log WHERE at >= '{month}' AND at < '{month}'::timestamp + interval '1 month' "
                                 "ORDER BY at DESC, id DESC LIMIT 50",
    "count of a month of the access log": "SELECT count(*) FROM access_log WHERE at >= '{month}' AND at < '{month}'::timestamp + interval '1 month'",
}


def main(url: str, runs: int = 15) -> None:
    with psycopg.connect(url) as conn:
        case, opened = conn.execute("SELECT case_id, min(at) FROM case_events WHERE actor = 'bench' "
                                    "GROUP BY case_id ORDER BY case_id LIMIT 1 OFFSET 5000").fetchone()
        month = conn.execute("SELECT date_trunc('month', now() - interval '6 months')::date").fetchone()[0]
        kind = conn.execute("SELECT relkind FROM pg_class WHERE relname = 'case_events'").fetchone()[0]
        print(f"case_events relkind {kind!r} ({'partitioned' if kind == 'p' else 'plain'}); case {case}, month {month}")
        for name, sql in QUERIES.items():
            q = sql.format(case=case, opened=opened, month=month)
            times, plan = [], ""
            for _ in range(runs):
                plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {q}").fetchall())
                times.append(float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)))
            scanned = sorted(set(re.findall(r" on (\w+)", plan)))
            times.sort()
            print(f"\n## {name}\n{q}\nmedian {statistics.median(times):.3f} ms, p95 {times[int(0.95 * (len(times) - 1))]:.3f} ms "
                  f"over {runs} runs; scans {len(scanned)} relations: {', '.join(scanned)}")
            if "-v" in sys.argv:
                print(plan)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    main(args[0], int(args[1]) if len(args) > 1 else 15)
