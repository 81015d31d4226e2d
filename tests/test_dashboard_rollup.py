"""The dashboard from the worker's rollup (app/reports/rollup.py): every figure equal to the live
count on the walked district of tests/test_reports.py, for the district and for a school; read live,
and said so, when the rollup is missing or old; refreshed by a real RQ worker process; idempotent."""
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from rq import Queue
from sqlalchemy import func, select

from app import clock
from app.auth.actor import Actor
from app.deadlines import actions, calendar
from app.extensions import db
from app.models import DashboardRollup, OrgUnit, User
from app.reports import figures, rollup
from tests.test_reports import NOV, ok, story  # noqa: F401  (the walked district)

ROOT = Path(__file__).resolve().parents[1]


def _both(app, username):
    """(from the rollup, live) dashboards of `username` today, without their `as_of`."""
    with app.app_context():
        actor = Actor(db.session.execute(select(User).where(User.username == username)).scalar_one())
        today = calendar.local_date(clock.now())
        stored, live = figures.dashboard(actor, today), figures.dashboard(actor, today, live=True)
        db.session.remove()
    return stored, live


def _refresh(app):
    with app.app_context():
        result = rollup.run_now()
        db.session.remove()
    return result


def test_every_figure_from_the_rollup_equals_the_live_count(story):
    with story.app.app_context():
        actions.sweep()   # overdue cases and escalations, so those figures are not all zeros
        db.session.remove()
    assert _refresh(story.app)["units"] >= 4   # the district, its department, two schools
    for username in ("bureau", "school_admin", "other_admin"):
        stored, live = _both(story.app, username)
        assert stored.pop("as_of")["source"] == "rollup"
        assert live.pop("as_of")["source"] == "live"
        assert stored == live, username
    # the walk is not all zeros: the comparison compares something
    stored, _ = _both(story.app, "bureau")
    assert stored["totals"]["cases"] == 7 and stored["totals"]["overdue"] == 3
    assert sum(t["opened"] for t in stored["trend"]) == 7
    assert stored["kpis"]["cases"] >= 3 and sum(p["visits"] for p in stored["home_visits"]) >= 4


def test_a_step_after_the_refresh_shows_at_the_next_one(story):
    _refresh(story.app)
    before, _ = _both(story.app, "bureau")
    story.open(detected_on="2026-11-02")
    stale, live = _both(story.app, "bureau")
    assert stale["totals"]["cases"] == before["totals"]["cases"] == live["totals"]["cases"] - 1
    _refresh(story.app)
    after, live = _both(story.app, "bureau")
    after.pop("as_of"), live.pop("as_of")
    assert after == live


def test_a_missing_or_old_rollup_is_read_live_and_said(story):
    d = ok(story.get("/dashboard", as_="bureau"))
    assert d["as_of"]["source"] == "live" and d["as_of"]["stale"] is True   # never refreshed
    _refresh(story.app)
    d = ok(story.get("/dashboard", as_="bureau"))
    assert d["as_of"] == {"source": "rollup", "at": NOV.isoformat() + "Z", "stale": False}
    clock.freeze(NOV + rollup.STALE_AFTER + timedelta(seconds=1))   # the worker stopped
    d = ok(story.get("/dashboard", as_="bureau"))
    assert d["as_of"]["source"] == "live" and d["as_of"]["stale"] is True
    assert d["totals"]["cases"] == 7


def test_the_refresh_runs_in_a_worker_and_again_changes_nothing(app, bx, database_url, redis_url, redis_conn,
                                                                 tmp_path):
    bx.open()
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, BAOXUE_INSTANCE=str(tmp_path))
    rows = []
    for _ in range(2):
        Queue(rollup.QUEUE, connection=redis_conn).enqueue(rollup.refresh_job)
        out = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
        with app.app_context():
            rows.append(db.session.execute(select(DashboardRollup.unit_id, DashboardRollup.scope_counts)
                                           .order_by(DashboardRollup.unit_id)).all())
            units = db.session.scalar(select(func.count(OrgUnit.id)).where(OrgUnit.kind.not_in(("grade", "class"))))
            db.session.remove()
    assert len(rows[0]) == units and rows[0] == rows[1]
    d = ok(bx.get("/dashboard", as_="bureau"))
    assert d["as_of"]["source"] == "rollup" and d["totals"]["cases"] == 1


def test_the_page_says_how_old_its_figures_are_in_chinese_and_english(story):
    from tests.web import Browser
    page = Browser(story.app, "bureau").text("/dashboard")
    assert "汇总数据缺失或已过时" in page and "截至 10:00:00" in page   # 02:00 UTC is 10:00 in Shanghai
    _refresh(story.app)
    browser = Browser(story.app, "bureau")
    assert "数据截至 10:00:00（每分钟汇总）" in browser.text("/dashboard")
    assert browser.post("/language", {"lang": "en", "next": "/dashboard"}).status_code == 302
    assert "As of 10:00:00 (recounted every minute)" in browser.text("/dashboard")


def test_a_unit_of_districts_lists_its_districts_not_their_schools(app, bx):
    from app.district.org import add_unit, add_user
    with app.app_context():
        add_unit("P", "测试省教育厅", "district", commit=False)   # no province kind: a district of districts
        for n in (1, 2):
            add_unit(f"P{n}", f"第{n}区", "district", "P", commit=False)
            for s in (1, 2):
                add_unit(f"P{n}S{s}", f"第{n}区{s}校", "school", f"P{n}", 500, commit=False)
                add_unit(f"P{n}S{s}-7", "七年级", "grade", f"P{n}S{s}", 250, commit=False)
                add_unit(f"P{n}S{s}-7-1", "七年级1班", "class", f"P{n}S{s}-7", 50, commit=False)
        add_user("province_bureau", "bureau_officer", "P", commit=False)
        db.session.commit()
        # the org tools keep districts at the top: hang these two under P as a province's bulk load does
        top = db.session.execute(select(OrgUnit).where(OrgUnit.code == "P")).scalar_one()
        for unit in db.session.execute(select(OrgUnit).where(OrgUnit.code.like("P_%"))).scalars():
            unit.path = top.path.rstrip("/") + unit.path
            if unit.kind == "district":
                unit.parent_id = top.id
        db.session.commit()
        db.session.remove()
    _refresh(app)
    stored, live = _both(app, "province_bureau")
    assert stored.pop("as_of")["source"] == "rollup" and live.pop("as_of")["source"] == "live"
    assert stored == live
    assert stored["rows_by"] == "unit" and stored["home_visits"] == []
    assert [(r["name"], r["enrolment"]) for r in stored["rates"]] == [("第1区", 1000), ("第2区", 1000)]
    assert [(c["name"], c["classes"], c["without_dropout"]) for c in stored["classes_without_dropout"]] == [
        ("第1区", 2, 2), ("第2区", 2, 2)]
    with app.app_context():   # the drill-down into a district lists its schools
        actor = Actor(db.session.execute(select(User).where(User.username == "province_bureau")).scalar_one())
        part = figures.dashboard(actor, calendar.local_date(clock.now()), unit="P1")
        db.session.remove()
    assert part["rows_by"] == "school" and [r["school"] for r in part["rates"]] == ["P1S1", "P1S2"]
    assert part["as_of"]["source"] == "rollup"
    district, _ = _both(app, "bureau")   # the test district's own dashboard still lists its schools
    assert district["rows_by"] == "school"


def test_the_drill_down_narrows_to_a_part_of_the_scope_and_no_further(story):
    _refresh(story.app)
    sa = ok(story.get("/dashboard?unit=SA", as_="bureau"))
    assert sa["as_of"]["source"] == "rollup" and [r["school"] for r in sa["rates"]] == ["SA"]
    assert sa == {**ok(story.get("/dashboard", as_="school_admin")), "targets": sa["targets"]}
    assert story.get("/dashboard?unit=SB", as_="school_admin").status_code == 404   # not theirs
    assert story.get("/dashboard?unit=SA-7-1", as_="bureau").status_code == 404     # below a school


def test_the_rollup_counts_each_units_classes_as_the_live_query_does(story):
    """A province's rows are districts: their 无辍学班级 come from the classes the rollup counted under
    each unit, the same numbers the live grouped query finds."""
    import json
    _refresh(story.app)
    with story.app.app_context():
        units = db.session.execute(select(OrgUnit).where(OrgUnit.kind.in_(("district", "school")))
                                   .order_by(OrgUnit.code)).scalars().all()
        stored = dict(db.session.execute(select(DashboardRollup.unit_id, DashboardRollup.own_counts)).all())
        rows = [({"code": u.code, "name": u.name, "path": u.path}, json.loads(stored[u.id])) for u in units]
        from_rollup = figures._classes_per_unit(rows)
        live = figures._classes_per_unit([(r, {k: v for k, v in c.items() if k != "classes"}) for r, c in rows])
    assert from_rollup == live
    assert [(x["school"], x["classes"]) for x in live] == [("D", 4), ("SA", 2), ("SB", 2)]
    assert all(x["without_dropout"] <= x["classes"] for x in live) and live[0]["without_dropout"] < 4
