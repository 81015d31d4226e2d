"""The dashboard read live against read from the worker's rollup, on an existing PostgreSQL database
(a benchmark, not a timed test): bench/web.py's district or bench/province.py's province.

    python bench/dashboard.py [--requests 20] [--explain]

BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/bench_web) must hold data.
For three readers — a school admin of the school with most cases, a bureau officer of the district
holding it, and one of the top unit (the province, or the district when it is the top) — it times the
page (/dashboard, logged in through the form) and the API (/api/v1/dashboard) live (no rollup), then
refreshes the rollup (app/reports/rollup.py: timed, each statement timed, the costliest EXPLAINed with
--explain) and times them again from the rollup; requests take turns, p50/p95 per row. Adds the three
bench users (dash_school, dash_district, dash_top) if missing; deletes the rollup at the end.
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_web")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")

from web import PASSWORD, Statements, _engine, login, pct  # noqa: E402

URL, REDIS = os.environ["BENCH_DATABASE_URL"], os.environ["REDIS_URL"]


def _readers(app) -> dict:
    """{label: username}: a school admin, a district's and the top unit's bureau officers."""
    from sqlalchemy import delete, func, select

    from app.auth.passwords import hash_password
    from app.extensions import db
    from app.models import Case, OrgUnit, RoleAssignment, User
    with app.app_context():
        school = db.session.execute(select(OrgUnit).join(Case, Case.school_id == OrgUnit.id).group_by(OrgUnit.id)
                                    .order_by(func.count(Case.id).desc()).limit(1)).scalar_one()
        district = db.session.get(OrgUnit, school.parent_id)
        top = district
        while top.parent_id is not None:
            top = db.session.get(OrgUnit, top.parent_id)
        out = {}
        readers = [("dash_school", "school_admin", school), ("dash_district", "bureau_officer", district)]
        if top.id != district.id:   # a district on its own is the top
            readers.append(("dash_top", "bureau_officer", top))
        for name, role, unit in readers:
            user = db.session.execute(select(User).where(User.username == name)).scalar_one_or_none()
            if user is None:
                user = User(username=name, display_name=name, password_hash=hash_password(PASSWORD))
                db.session.add(user)
                db.session.flush()
            user.password_hash = hash_password(PASSWORD)
            if hasattr(user, "must_change_password"):
                user.must_change_password = False
            db.session.execute(delete(RoleAssignment).where(RoleAssignment.user_id == user.id))
            db.session.add(RoleAssignment(user_id=user.id, role=role, unit_id=unit.id))
            n = db.session.scalar(select(func.count(Case.id)).where(Case.unit_path.startswith(unit.path)))
            out[f"{role} {unit.code} ({n} cases)"] = name
        db.session.commit()
        return out


def _time(app, readers: dict, n: int) -> dict:
    from app.auth import tokens
    from app.extensions import db
    from app.models import User
    from sqlalchemy import select
    clients = {label: login(app, name) for label, name in readers.items()}   # outside an app context
    headers = {}
    with app.app_context():
        for label, name in readers.items():
            user = db.session.execute(select(User).where(User.username == name)).scalar_one()
            headers[label] = {"Authorization": f"Bearer {tokens.issue(user)}"}
    times = {(label, kind): [] for label in readers for kind in ("page", "api")}
    sources = {}
    for i in range(n + 2):   # two warm-up rounds
        for label in readers:
            for kind in ("page", "api"):
                t = time.perf_counter()
                if kind == "page":
                    r = clients[label].get("/dashboard")
                else:
                    r = clients[label].get("/api/v1/dashboard", headers=headers[label])
                    sources[label] = r.get_json()["as_of"]["source"]
                r.get_data()
                elapsed = (time.perf_counter() - t) * 1000
                assert r.status_code == 200, (label, kind, r.status_code)
                if i >= 2:
                    times[(label, kind)].append(elapsed)
    return {k: (pct(v, 50), pct(v, 95), sources[k[0]]) for k, v in times.items()}


def _refresh(app, explain: bool) -> list[str]:
    from app.extensions import db
    from app.reports import rollup
    stats = Statements(_engine(app))
    out = []
    with app.app_context():
        stats.start()
        t = time.perf_counter()
        result = rollup.run_now()
        total = time.perf_counter() - t
        statements = stats.stop()
        out.append(f"refresh: {total:.2f} s wall, {result}, {len(statements)} statements, "
                   f"SQL {sum(s for *_, s in statements):.2f} s")
        worst = sorted(statements, key=lambda s: -s[2])[:6]
        raw = db.engine.raw_connection()
        try:
            cur = raw.driver_connection.cursor()
            for i, (sql, params, s) in enumerate(worst):
                out.append(f"  {s * 1000:8.1f} ms  {' '.join(sql.split())[:140]}")
                if explain and i < 4 and sql.lstrip().upper().startswith("SELECT"):
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    out.extend("        " + r[0] for r in cur.fetchall()
                               if any(k in r[0] for k in ("Scan", "Aggregate", "Join", "Execution Time", "Sort ")))
            raw.rollback()
        finally:
            raw.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--explain", action="store_true")
    args = ap.parse_args()
    from redis import Redis
    from sqlalchemy import delete

    from app import create_app
    from app.extensions import db
    from app.models import DashboardRollup
    Redis.from_url(REDIS).flushdb()
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "REDIS_URL": REDIS, "SECRET_KEY": "bench-dashboard"})
    with app.app_context():
        db.session.execute(delete(DashboardRollup))
        db.session.commit()
    readers = _readers(app)
    live = _time(app, readers, args.requests)
    lines = _refresh(app, args.explain)
    for _ in range(2):   # the refresh's spread over runs
        lines.append(_refresh(app, False)[0])
    stored = _time(app, readers, args.requests)
    print(f"dashboard, {args.requests} requests each, ms (p50 / p95):")
    print(f"  {'reader':44} {'kind':5} {'live p50':>9} {'p95':>8}   {'rollup p50':>10} {'p95':>8}")
    for (label, kind), (p50, p95, src) in live.items():
        s50, s95, ssrc = stored[(label, kind)]
        assert src == "live" and ssrc == "rollup", (label, src, ssrc)
        print(f"  {label:44} {kind:5} {p50:9.1f} {p95:8.1f}   {s50:10.1f} {s95:8.1f}")
    print("\n".join(lines))
    with app.app_context():
        db.session.execute(delete(DashboardRollup))
        db.session.commit()


if __name__ == "__main__":
    main()
