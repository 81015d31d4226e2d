"""Early-warning benchmark on PostgreSQL (not part of the test run; a small run of it is):

A district of N pupils (classes of 50, a class teacher each) with S school days of absences, bulk
loaded with COPY (each pupil absent on a day with probability --rate, half of them excused; a few
pupils away on the last days in a row). Then the nightly early-warning job as the worker runs it
(app/attendance/warning.run): the indicators in set-based SQL (streaks of unexcused school days,
absence rate over the last 20 school days, flags, vanished, dropped out before), a detected case
opened through the engine for each new streak, the risk list refreshed with its notifications; then
the same job again (idempotent: nothing opened, nothing notified).

    python bench/attendance.py [--pupils 100000] [--days 180] [--rate 0.03] [--streaks 200]
                                          (BENCH_DATABASE_URL to point elsewhere; it is re-created)
"""
import argparse
import os
import random
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import engine_vs_sql as base  # noqa: E402  (a fresh database, valid 学籍号)
import psycopg  # noqa: E402

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/baoxue_bench_attendance")
base.URL = URL
TODAY = date(2026, 11, 20)            # a Friday, a school day
EVENING = datetime(2026, 11, 20, 14)  # 22:00 in Beijing, naive UTC
CLASS_SIZE = 50


def district(app, pupils: int) -> None:
    """Units through the app (paths), users, roles and pupils by COPY."""
    from flask_migrate import upgrade

    from app.district.org import add_unit
    from app.extensions import db
    with app.app_context():
        upgrade()
        add_unit("D", "区", "district", commit=False)
        classes = (pupils + CLASS_SIZE - 1) // CLASS_SIZE
        schools = (classes + 59) // 60
        for s in range(schools):
            add_unit(f"S{s}", f"第{s}中学", "school", "D", commit=False)
            add_unit(f"S{s}-7", "七年级", "grade", f"S{s}", commit=False)
        for c in range(classes):
            add_unit(f"S{c // 60}-7-{c % 60}", f"七年级{c % 60}班", "class", f"S{c // 60}-7", CLASS_SIZE, commit=False)
        db.session.commit()
    dsn = URL.replace("+psycopg", "")
    with psycopg.connect(dsn) as conn:
        class_ids = [r[0] for r in conn.execute("SELECT id FROM org_units WHERE kind='class' ORDER BY id")]
        with conn.cursor().copy("COPY users (username, display_name, password_hash, active, locale, session_epoch, "
                                "must_change_password) FROM STDIN") as cp:
            for i in range(len(class_ids)):
                cp.write_row((f"t{i}", f"班主任{i}", "", True, "zh", 0, False))
        users = [r[0] for r in conn.execute("SELECT id FROM users ORDER BY id")]
        with conn.cursor().copy("COPY role_assignments (user_id, role, unit_id) FROM STDIN") as cp:
            for u, c in zip(users, class_ids):
                cp.write_row((u, "class_teacher", c))
        rnd = random.Random(7)
        with conn.cursor().copy("COPY pupils (student_no, name, gender, birth_date, class_id, guardians, address, "
                                "township, village, economic_hardship, disability, left_behind, migrant, orphan, "
                                "unsupported) FROM STDIN") as cp:
            for i in range(pupils):
                flags = [rnd.random() < p for p in (0.08, 0.01, 0.10, 0.05, 0.003, 0.005)]
                cp.write_row((base.student_no(i), f"学生{i}", "MF"[i % 2], base.birth(i), class_ids[i // CLASS_SIZE],
                              "[]", "", "", "", *flags))
        conn.commit()


def absences(app, days: list[date], rate: float, streaks: int) -> int:
    """COPY the absences: random days off, and `streaks` pupils away unexcused on the last 3 days."""
    dsn = URL.replace("+psycopg", "")
    rnd = random.Random(11)
    with psycopg.connect(dsn) as conn:
        pupils = [r[0] for r in conn.execute("SELECT id FROM pupils ORDER BY id")]
        away = set(rnd.sample(pupils, min(streaks, len(pupils))))
        last3 = set(days[-3:])
        n = 0
        with conn.cursor().copy("COPY absences (pupil_id, day, excused, reason, recorded_by, recorded_at) "
                                "FROM STDIN") as cp:
            for pid in pupils:
                for d in days:
                    if pid in away and d in last3:
                        cp.write_row((pid, d, False, "未说明", "bench", EVENING))
                        n += 1
                    elif rnd.random() < rate:
                        excused = rnd.random() < 0.5
                        cp.write_row((pid, d, excused, "病假" if excused else "", "bench", EVENING))
                        n += 1
        conn.commit()
        conn.execute("ANALYZE absences")
        conn.execute("ANALYZE pupils")
        conn.commit()
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pupils", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--rate", type=float, default=0.03)
    ap.add_argument("--streaks", type=int, default=200)
    args = ap.parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    base.fresh_database()
    from app import clock, create_app
    from app.attendance import indicators, warning
    from app.attendance.schooldays import last_school_days
    from app.attendance.settings import thresholds
    from app.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL})
    clock.freeze(EVENING)
    t0 = time.perf_counter()
    district(app, args.pupils)
    t1 = time.perf_counter()
    with app.app_context():
        days = last_school_days(TODAY, args.days)
    rows = absences(app, days, args.rate, args.streaks)
    t2 = time.perf_counter()
    print(f"district          {args.pupils:,} pupils in {t1 - t0:.1f} s")
    print(f"absences (COPY)   {rows:,} rows over {len(days)} school days ({days[0]} – {days[-1]}) in {t2 - t1:.1f} s")
    with app.app_context():
        t = thresholds()
        window = last_school_days(TODAY, t.window)
        s = time.perf_counter()
        found = indicators.streaks(window, t.streak_days)
        rates = indicators.absence_rates(window[-t.rate_window:], t.rate)
        flagged = indicators.flagged(t.flags_min)
        e = time.perf_counter()
        print(f"indicators (SQL)  {e - s:.2f} s: {len(found):,} streaks, {len(rates):,} at ≥ {t.rate:.0%}, "
              f"{len(flagged):,} with ≥ {t.flags_min} flags")
        s = time.perf_counter()
        first = warning.run(TODAY, EVENING)
        e = time.perf_counter()
        print(f"nightly job       {e - s:.2f} s: {first}")
        db.session.remove()
        s = time.perf_counter()
        again = warning.run(TODAY, EVENING)
        e = time.perf_counter()
        print(f"nightly job again {e - s:.2f} s: {again}")
        ok = again["opened"] == 0 and again["new"] == 0 and again["notified"] == 0 and again["changed"] == 0
        print("idempotent        " + ("ok" if ok else "NO"))
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
