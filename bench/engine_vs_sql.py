"""Engine vs hand-written SQL: steps per second for N full dropout lifecycles on PostgreSQL.

Engine: each step is what the API's transition request does — fire(case_id, trigger, actor, body,
version): load the case and its open deadlines, role, scope, state, version and guard checks, form
validation, audit hash chain and deadline rows, one transaction; the version is the one the
client got back from its previous step, as an API client has it. Hand-written SQL: the same writes per step on a raw psycopg
connection (UPDATE case + INSERT event + deadline UPDATE/INSERT, one transaction), no checks.

    python bench/engine_vs_sql.py [N] [--profile]      (BENCH_DATABASE_URL to point elsewhere)
    python bench/engine_vs_sql.py [N] --clients 1,4,16 --sync on,off [--cold]

The second form runs each side in C client processes at once (bench/engine_clients.py: N lifecycles per
client per round, engine and SQL rounds interleaved), under synchronous_commit on and off for both
sides, and with --cold the first lifecycle of fresh processes against their later ones.
--profile (first form) profiles the last engine round with cProfile on CPU time and prints the top
functions and the client CPU per step of each side.

The database named in BENCH_DATABASE_URL (default: baoxue_bench on 127.0.0.1) is dropped and
re-created from the migrations on each run.
"""
import json
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/baoxue_bench")
# the district's date (Asia/Shanghai), as the forms check it: from 16:00 UTC the machine's is a day behind
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
BIRTH = date(2012, 1, 1)


def birth(i: int) -> date:
    return BIRTH + timedelta(days=i // 1000)


def student_no(i: int) -> str:
    """A valid 学籍号 for bench pupil i (forms/pupil_numbers.py, as the demo makes them): 1000 a birth day."""
    from forms.pupil_numbers import make
    return make("G", "522601", birth(i), i % 1000)

# One lifecycle: (trigger, actor key, form data). Visits/follow-ups repeat as the workflow needs.
LIFECYCLE = [
    ("report", "admin", {"dropout_date": TODAY, "reasons": ["learning"], "reason_analysis": "厌学",
                         "measures_taken": "电话联系", "measures_effect": "未返校", "next_plan": "家访"}),
    ("verify", "bureau", {"confirmed": True, "note": "属实"}),
    ("start_visits", "admin", {"goals": "返校", "measures": "帮扶", "responsible": "校长", "team": ["班主任"]}),
    ("log_visit", "teacher", {"visited_on": TODAY, "visitors": ["班主任"], "met_with": "家长", "content": "劝返",
                              "outcome": "failed"}),
    ("log_visit", "teacher", {"visited_on": TODAY, "visitors": ["班主任"], "met_with": "家长", "content": "劝返",
                              "outcome": "failed"}),
    ("escalate_joint", "admin", {"text": "多次劝返无果"}),
    ("log_joint_action", "bureau", {"acted_on": TODAY, "department": "township", "action": "上门", "outcome": ""}),
    ("re_enroll", "admin", {"return_date": TODAY, "class_placed": "七年级1班", "xueji_restored": True,
                            "catch_up_plan": "补课", "aid_arranged": "", "mentor": "李老师"}),
    ("log_follow_up", "teacher", {"checkpoint": "two_weeks", "checked_on": TODAY, "learning": "好", "daily_life": "好",
                                  "psychological": "好", "relapse_risk": False}),
    ("log_follow_up", "teacher", {"checkpoint": "one_month", "checked_on": TODAY, "learning": "好", "daily_life": "好",
                                  "psychological": "好", "relapse_risk": False}),
    ("log_follow_up", "teacher", {"checkpoint": "three_months", "checked_on": TODAY, "learning": "好", "daily_life": "好",
                                  "psychological": "好", "relapse_risk": False}),
    ("complete_follow_up", "teacher", {"summary": "稳定"}),
]
STEPS_PER_LIFECYCLE = 1 + len(LIFECYCLE)  # open + the steps


def fresh_database():
    from sqlalchemy.engine import make_url
    url = make_url(URL)
    admin = url.set(database="postgres").render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{url.database}"')


def setup(app, n):
    """Schema, a district, and 2N pupils (half for the engine, half for the SQL baseline)."""
    from flask_migrate import upgrade

    from app.district.org import add_unit, add_user
    from app.extensions import db
    from app.models import Pupil
    with app.app_context():
        upgrade()
        add_unit("D", "区", "district", commit=False)
        add_unit("S", "中学", "school", "D", commit=False)
        add_unit("S-7", "七年级", "grade", "S", commit=False)
        klass = add_unit("S-7-1", "七年级1班", "class", "S-7", commit=False)
        add_user("teacher", "class_teacher", "S-7-1", commit=False)
        add_user("admin", "school_admin", "S", commit=False)
        add_user("bureau", "bureau_officer", "D", commit=False)
        db.session.add_all(Pupil(student_no=student_no(i), name=f"学生{i}", gender="M", birth_date=birth(i),
                                 class_id=klass.id, guardians=[]) for i in range(2 * n))
        db.session.commit()


# The deadline writes each step makes in the dropout workflow: (clocks met/cancelled, clocks opened).
DEADLINES = {
    "open": ([], ["report"]), "report": (["report"], ["verification"]), "verify": (["verification"], []),
    "start_visits": ([], ["first_visit", "visiting_stage"]), "log_visit#1": (["first_visit"], []),
    "log_visit#2": ([], []), "escalate_joint": (["visiting_stage"], ["joint_return_stage"]),
    "log_joint_action": ([], []), "re_enroll": (["joint_return_stage"], ["follow_up", "follow_up", "follow_up"]),
    "log_follow_up": (["follow_up"], []), "complete_follow_up": ([], []),
}
STATES = {"report": "reported", "start_visits": "visiting", "escalate_joint": "joint_return",
          "re_enroll": "re_enrolled", "complete_follow_up": "followed_up"}


def run_sql(n, pupil_offset, audit_key):
    """The same writes, by hand, for n pupils from `pupil_offset` in id order."""
    return run_sql_ids(pupil_ids()[pupil_offset:pupil_offset + n], audit_key)


def pupil_ids() -> list[int]:
    with psycopg.connect(URL.replace("+psycopg", "")) as conn:
        return conn.execute("SELECT array_agg(id ORDER BY id) FROM pupils").fetchone()[0]


def run_sql_ids(pupils, audit_key):
    """The same writes, by hand: one transaction per step, no checks, no ORM (signed with `audit_key`)."""
    from app.audit.chain import event_hash
    dsn = URL.replace("+psycopg", "")
    with psycopg.connect(dsn) as conn:
        school = conn.execute("SELECT id FROM org_units WHERE code='S'").fetchone()[0]
        conn.commit()
        now = datetime.utcnow
        due = datetime.utcnow() + timedelta(days=5)

        def event(cur, case_id, seq, prev, action, frm, to, data):
            # The same chained hash as the engine's, so `audit verify` holds over both halves.
            at = now()
            data = {"form": data}
            h = event_hash(case_id=case_id, seq=seq, at=at, actor_id=None, actor="bench", role="bench",
                           action=action, from_state=frm, to_state=to, data=data, prev_hash=prev, key=audit_key)
            cur.execute("INSERT INTO case_events (case_id, seq, at, actor_id, actor, role, action, from_state, "
                        "to_state, data, prev_hash, hash) VALUES (%s,%s,%s,NULL,'bench','bench',%s,%s,%s,%s,%s,%s)",
                        (case_id, seq, at, action, frm, to, json.dumps(data, ensure_ascii=False), prev, h))
            return h

        def deadlines(cur, case_id, key):
            met, opened = DEADLINES[key]
            for clock in met:
                cur.execute("UPDATE deadlines SET status='met', closed_at=%s, next_action_at=NULL WHERE id = "
                            "(SELECT id FROM deadlines WHERE case_id=%s AND clock=%s AND status='open' "
                            "ORDER BY point LIMIT 1)", (now(), case_id, clock))
            if opened:
                cur.executemany("INSERT INTO deadlines (case_id, clock, point, status, opened_at, due_at, level, "
                                "next_action_at) VALUES (%s,%s,%s,'open',%s,%s,0,%s)",
                                [(case_id, c, i, now(), due, due) for i, c in enumerate(opened)])

        start = time.perf_counter()
        for pid in pupils:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO cases (workflow, subject_key, pupil_id, state, version, unit_path, school_id, "
                            "fields, vars, escalation_level, opened_on, source, opened_at, updated_at, last_seq, "
                            "last_hash) VALUES ('dropout',%s,%s,'detected',1,'/1/2/3/4/',%s,"
                            "'{\"reasons\": [], \"confirmed\": false}','{}',0,%s,'teacher',%s,%s,0,'') RETURNING id",
                            (f"pupil:{pid}", pid, school, TODAY, now(), now()))
                case_id = cur.fetchone()[0]
                h = event(cur, case_id, 1, "0" * 64, "open", None, "detected", {})
                deadlines(cur, case_id, "open")
                cur.execute("UPDATE cases SET last_seq=1, last_hash=%s WHERE id=%s", (h, case_id))
            conn.commit()
            state, version, visits = "detected", 1, 0
            for seq, (trigger, _who, data) in enumerate(LIFECYCLE, start=2):
                key = trigger
                if trigger == "log_visit":
                    visits += 1
                    key = f"log_visit#{visits}"
                new_state = STATES.get(trigger, state)
                with conn.cursor() as cur:
                    h = event(cur, case_id, seq, h, trigger, state, new_state, data)
                    cur.execute("UPDATE cases SET state=%s, version=%s, vars=%s, updated_at=%s, last_seq=%s, "
                                "last_hash=%s WHERE id=%s AND version=%s",
                                (new_state, version + 1, json.dumps({"visits": visits}), now(), seq, h, case_id,
                                 version))
                    deadlines(cur, case_id, key)
                conn.commit()
                state, version = new_state, version + 1
        return time.perf_counter() - start


def main():
    if any(a.startswith(("--clients", "--sync", "--cold")) for a in sys.argv[1:]):
        from bench import engine_clients
        return engine_clients.main(sys.argv[1:])
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 200
    rounds = int(os.environ.get("BENCH_ROUNDS", 5))
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    fresh_database()
    from app import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL})
    setup(app, n * rounds)
    with app.app_context():
        from app.audit import chain as audit
        audit_key = audit.key()  # the hand-written steps sign with the engine's key: one verify covers both
    steps = n * STEPS_PER_LIFECYCLE
    engine_rates, sql_rates, engine_cpu, sql_cpu = [], [], [], []
    profiler = None
    if "--profile" in sys.argv:
        import cProfile
        profiler = cProfile.Profile(time.process_time)  # CPU time: the machine's other load is not counted
    for r in range(rounds):
        # Interleave the two so that drift in the machine's load affects both alike.
        if profiler and r == rounds - 1:
            profiler.enable()
        cpu = time.process_time()
        engine_rates.append(steps / _engine_round(app, n, r))
        engine_cpu.append((time.process_time() - cpu) / steps)
        if profiler and r == rounds - 1:
            profiler.disable()
        cpu = time.process_time()
        sql_rates.append(steps / run_sql(n, n * rounds + r * n, audit_key))
        sql_cpu.append((time.process_time() - cpu) / steps)
        print(f"round {r + 1}: engine {engine_rates[-1]:7.0f} steps/s   hand-written SQL {sql_rates[-1]:7.0f} steps/s"
              f"   ratio {engine_rates[-1] / sql_rates[-1]:.2f}x")
    e, s = statistics.median(engine_rates), statistics.median(sql_rates)
    ratios = [a / b for a, b in zip(engine_rates, sql_rates)]
    print(f"\n{n} lifecycles x {STEPS_PER_LIFECYCLE} steps, {rounds} rounds (medians):")
    print(f"  engine            {e:8.0f} steps/s")
    print(f"  hand-written SQL  {s:8.0f} steps/s")
    print(f"  ratio             {statistics.median(ratios):8.2f}x  (median of the per-round ratios; "
          f"range {min(ratios):.2f}-{max(ratios):.2f}; target >= 0.70)")
    print(f"  client CPU/step   engine {statistics.median(engine_cpu) * 1e6:.0f} us, hand-written SQL "
          f"{statistics.median(sql_cpu) * 1e6:.0f} us  (this process's CPU time, medians; the engine's includes "
          "the benchmark's own look-ups)")
    with app.app_context():
        from app.audit import chain as audit
        result = audit.verify()
        print(f"  audit chain       {'ok' if result['ok'] else 'BROKEN'} over {result['events_checked']} events")
    if profiler:
        import pstats
        profiler.dump_stats("bench/engine_profile.prof")
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(40)
    return 0 if result["ok"] else 1


def _engine_round(app, n, r):
    # each round takes the next n engine pupils (the first n*rounds pupil ids)
    from app.extensions import db
    from app.models import Pupil
    with app.app_context():
        ids = db.session.execute(sa.select(Pupil.id).order_by(Pupil.id).offset(r * n).limit(n)).scalars().all()
    return _run_engine_ids(app, ids)


def _run_engine_ids(app, pupil_ids):
    from sqlalchemy import select

    from app.auth.actor import Actor
    from app.deadlines import calendar
    from app.engine.operations import fire, open_case
    from app.extensions import db
    from app.models import User
    with app.app_context():
        users = {u.username: u for u in db.session.execute(select(User)).scalars()}
        actors = {k: Actor(users[k]) for k in ("teacher", "admin", "bureau")}
        start = time.perf_counter()
        aside = 0.0  # the benchmark's own look-ups (a checkpoint's due time), not the engine's work
        for pid in pupil_ids:
            case_id = open_case(actors["teacher"], {"student_id": pid, "detected_on": TODAY, "source": "teacher"})
            version = 1
            db.session.remove()  # each step is a request of its own: nothing cached between them
            at = None
            for trigger, who, data in LIFECYCLE:
                # a follow-up is logged at its checkpoint: the step happens then (its `now`), dated then
                if "checkpoint" in data:
                    t0 = time.perf_counter()
                    at = _checkpoint_time(case_id, data["checkpoint"])
                    data = {**data, "checked_on": calendar.local_date(at).isoformat()}
                    db.session.remove()
                    aside += time.perf_counter() - t0
                fire(case_id, trigger, actors[who], dict(data), version=version, now=at)
                version += 1
                db.session.remove()
        return time.perf_counter() - start - aside


def _checkpoint_time(case_id, name):
    """Noon (Beijing) of the due day of the case's open checkpoint `name`."""
    from app.deadlines import calendar
    from app.engine import machine
    from app.extensions import db
    from app.models import Deadline
    point = machine.get("dropout").clock("follow_up").point_names().index(name)
    due_at = db.session.execute(sa.select(Deadline.due_at).where(
        Deadline.case_id == case_id, Deadline.clock == "follow_up", Deadline.point == point,
        Deadline.status == "open")).scalar_one()
    return calendar.to_utc(calendar.local_date(due_at), datetime.min.time().replace(hour=12))


if __name__ == "__main__":
    sys.exit(main())
