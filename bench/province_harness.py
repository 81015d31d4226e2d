"""Reads at province scale: p50/p95 of each request for each scope, in-process with the Flask test client,
logged in through the login form as real users (bench/web.py's login and SQL capture).

Scopes: a school (its school admin), a district (its bureau officer: the district of that school), the
province (the bureau officer at the root unit). Requests take turns one by one, so drift in the machine's
load affects every row alike. The case page and timeline open only cases whose audit chain the builder
made valid (the timeline page checks the chain of the case it shows: the harness asserts it is ok).
"""
import random
import statistics
import time
from collections import defaultdict

import web  # bench/web.py: login(), Statements, pct(), PASSWORD

TARGET_MS = 100
LISTS = [("list", ""), ("list overdue", "overdue=true"), ("list state", "state=visiting"), ("list search", "q={q}"),
         ("list deep page", "page={deep}")]
SCOPES = ("school", "district", "province")


def requests_plan():
    """(name, url template) of every measured request."""
    plan = [(f"API {name}", "/api/v1/cases" + (f"?{qs}" if qs else "")) for name, qs in LISTS]
    plan += [(f"page {name}", "/cases" + (f"?{qs}" if qs else "")) for name, qs in LISTS]
    plan += [("page dashboard", "/dashboard"), ("API dashboard", "/api/v1/dashboard"),
             ("page case", "/cases/{case}"), ("page timeline", "/cases/{case}/timeline")]
    return plan


class Row:
    def __init__(self, name, url, scope):
        self.name, self.url, self.scope = name, url, scope
        self.times, self.sql_counts, self.statuses = [], [], defaultdict(int)
        self.chain_broken = 0
        self.slowest = (0.0, None, [])  # (ms, url, statements) of the slowest request


def setup(app):
    """The users, their scopes and the cases each may open, from bench_province_meta."""
    from sqlalchemy import text, update

    from app.auth.passwords import hash_password
    from app.extensions import db
    from app.models import User
    with app.app_context():
        meta = dict(db.session.execute(text("SELECT key, value FROM bench_province_meta")).all())
        school_id, every = int(meta["school_id"]), int(meta["sample_every"])
        school_code, district_id = db.session.execute(
            text("SELECT code, parent_id FROM org_units WHERE id = :s"), {"s": school_id}).one()
        district_code = db.session.scalar(text("SELECT code FROM org_units WHERE id = :d"), {"d": district_id})
        users = {"school": f"{school_code.lower()}_admin", "district": f"{district_code.lower()}_bureau",
                 "province": "province"}
        db.session.execute(update(User).where(User.username.in_(users.values()))
                           .values(password_hash=hash_password(web.PASSWORD)))
        db.session.commit()
        school_cases = db.session.scalars(text("SELECT id FROM cases WHERE school_id = :s"), {"s": school_id}).all()
        sampled = db.session.scalars(text("SELECT id FROM cases WHERE id % :k = 0"), {"k": every}).all()
        district_sampled = db.session.scalars(
            text("SELECT c.id FROM cases c JOIN org_units s ON s.id = c.school_id WHERE s.parent_id = :d "
                 "AND (c.id % :k = 0 OR c.school_id = :s)"), {"d": district_id, "k": every, "s": school_id}).all()
        counts = {"school": len(school_cases),
                  "district": db.session.scalar(text("SELECT count(*) FROM cases c JOIN org_units s ON "
                                                     "s.id = c.school_id WHERE s.parent_id = :d"), {"d": district_id}),
                  "province": db.session.scalar(text("SELECT count(*) FROM cases"))}
        # the commonest surname among the school's pupils with a case: a search with many hits
        q = db.session.scalar(text("SELECT left(p.name, 1) FROM pupils p JOIN cases c ON c.pupil_id = p.id "
                                   "WHERE c.school_id = :s GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
                              {"s": school_id})
    return {"users": users, "counts": counts, "q": q, "labels": {"school": school_code, "district": district_code,
                                                                 "province": "P"},
            "cases": {"school": school_cases, "district": district_sampled, "province": sampled}}


def bearer(app, username) -> str:
    r = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": web.PASSWORD})
    assert r.status_code in (200, 201), (username, r.status_code, r.get_data(as_text=True)[:300])
    return r.get_json()["token"]


def measure(app, n, stats, seed=7, warmup=1, only=None, skip=None, scopes=SCOPES):
    """One round: n requests per (request, scope) after `warmup`; `stats` a web.Statements on the app's
    engine (one per process: each adds listeners). Returns the rows and the scopes' facts."""
    ctx = setup(app)
    rng = random.Random(seed)
    clients = {scope: web.login(app, ctx["users"][scope]) for scope in SCOPES}
    tokens = {scope: bearer(app, ctx["users"][scope]) for scope in SCOPES}  # the API takes tokens, not sessions
    rows = [Row(name, url, scope) for name, url in requests_plan() for scope in scopes
            if (not only or only in name) and (not skip or skip not in name)]

    def url_of(row):
        deep = min(200, max(1, (ctx["counts"][row.scope] + 49) // 50))
        return row.url.format(q=ctx["q"], deep=deep, case=rng.choice(ctx["cases"][row.scope]))

    def one(row):
        url = url_of(row)
        stats.start()
        t = time.perf_counter()
        r = clients[row.scope].get(url, headers={"Authorization": f"Bearer {tokens[row.scope]}"}
                                   if url.startswith("/api/") else None)
        body = r.get_data(as_text=True)
        ms = (time.perf_counter() - t) * 1000
        return url, ms, r.status_code, body, stats.stop()

    for _ in range(warmup):
        for row in rows:
            one(row)
    for _ in range(n):
        for row in rows:
            url, ms, status, body, statements = one(row)
            row.times.append(ms)
            row.sql_counts.append(len(statements))
            row.statuses[status] += 1
            if row.name == "page timeline" and 'id="chain" class="flash ok"' not in body:
                row.chain_broken += 1
            if ms >= row.slowest[0]:
                row.slowest = (ms, url, statements)
    return rows, ctx


def table(rows, ctx) -> str:
    head = f"{'request':<22}{'scope':<22}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'target':>8}{'SQL':>6}  ok"
    lines = [head]
    for r in rows:
        p95 = web.pct(r.times, 95)
        bad = sum(v for k, v in r.statuses.items() if k != 200)
        scope = f"{r.scope} {ctx['labels'][r.scope]} ({ctx['counts'][r.scope]})"
        lines.append(f"{r.name:<22}{scope:<22}{len(r.times):>4}{statistics.median(r.times):>9.1f}{p95:>9.1f}"
                     f"{TARGET_MS:>8}{statistics.median(r.sql_counts):>6.0f}  {'✓' if p95 <= TARGET_MS else '✗'}"
                     + (f"  non-200: {dict(r.statuses)}" if bad else "")
                     + (f"  chain NOT ok x{r.chain_broken}" if r.chain_broken else ""))
    return "\n".join(lines)


def summary(rounds, ctx) -> str:
    """Medians over rounds of each row's p50 and p95."""
    lines = [f"{'request':<22}{'scope':<10}{'p50 ms':>9}{'p95 ms':>9}  p95 per round   ok (target {TARGET_MS} ms)"]
    for i, r in enumerate(rounds[0]):
        p50 = statistics.median(statistics.median(rd[i].times) for rd in rounds)
        p95s = [web.pct(rd[i].times, 95) for rd in rounds]
        p95 = statistics.median(p95s)
        lines.append(f"{r.name:<22}{r.scope:<10}{p50:>9.1f}{p95:>9.1f}  {' / '.join(f'{x:.0f}' for x in p95s):<15}"
                     f" {'✓' if p95 <= TARGET_MS else '✗'}")
    return "\n".join(lines)


KEY_NODES = ("Seq Scan", "Index", "Bitmap", "Hash Join", "Nested Loop", "Merge Join", "Sort", "Aggregate",
             "Gather", "Limit", "Hash", "Unique", "WindowAgg", "Subquery", "CTE", "Append", "Materialize")


def key_lines(plan_lines, limit=14):
    """The lines of a plan that say where time goes: nodes with their actual time and rows, buffers,
    the filters that removed rows, and the totals."""
    out = []
    for line in plan_lines:
        s = line.strip()
        if ("actual time" in s and any(k in s for k in KEY_NODES)) or s.startswith(("Buffers:", "Execution Time",
                                                                                     "Rows Removed", "Sort Method")):
            out.append(line.rstrip())
    return out[:limit] + ([f"        ... ({len(out) - limit} more key lines)"] if len(out) > limit else [])


def explain(app, row, top=3) -> list:
    """EXPLAIN (ANALYZE, BUFFERS) of the `top` slowest statements of the row's slowest request."""
    from app.extensions import db
    ms, url, statements = row.slowest
    out = [f"{row.name} / {row.scope}: slowest {ms:.1f} ms ({url}), {len(statements)} statements, "
           f"SQL {sum(s for _, _, s in statements) * 1000:.1f} ms"]
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.driver_connection.cursor()
            # the lists' own EXPLAIN (their count estimate, app/web/counting.py) is planning, not a query
            queries = [st for st in statements if not st[0].lstrip().upper().startswith("EXPLAIN")]
            for sql, params, s in sorted(queries, key=lambda x: -x[2])[:top]:
                out.append(f"  {s * 1000:7.1f} ms  {' '.join(sql.split())[:160]}")
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                out.extend("      " + line for line in key_lines([r[0] for r in cur.fetchall()]))
            raw.driver_connection.rollback()
        finally:
            raw.close()
    return out


def figures(rows, ctx) -> list:
    return [{"request": r.name, "url": r.url, "scope": r.scope, "unit": ctx["labels"][r.scope],
             "cases_in_scope": ctx["counts"][r.scope], "n": len(r.times), "p50_ms": statistics.median(r.times),
             "p95_ms": web.pct(r.times, 95), "target_ms": TARGET_MS, "times_ms": r.times,
             "sql_statements_median": statistics.median(r.sql_counts), "statuses": dict(r.statuses),
             "chain_not_ok": r.chain_broken} for r in rows]
