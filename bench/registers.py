"""四查三比对 benchmark on PostgreSQL (not part of the test run; a small run of it is):

1. import: a household register (户籍) of N rows as a CSV file, through the same import_register() the
   CLI and the API call (read, every row checked, COPY into the staging table, set-based merge);
   then the same file again (it must change nothing);
2. compare: the comparisons over the N register rows and P pupils (95 % of the register's children
   enrolled, 5 % of the pupils not in it, a hundred enrolled twice, a hundred out of school with an open
   case, a poverty list of N/10), then the same run again (it must change nothing).

    python bench/registers.py [N] [--pupils P]   (default 1,000,000 each; BENCH_DATABASE_URL to point elsewhere)
"""
import argparse
import io
import os
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from forms.pupil_numbers import make  # noqa: E402

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # the district's date, as forms check it
URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/baoxue_bench_registers")
FIRST_BIRTH = date(2010, 9, 1)  # ten years of births: compulsory age (6-15) for most of them
DAYS = 3650
TOWNS = [f"第{t}乡" for t in range(1, 21)]


def child_id(i: int, area: str = "522601") -> str:
    """A valid resident ID number for child i (unique for i < DAYS * 1000)."""
    return make("G", area, FIRST_BIRTH + timedelta(days=i % DAYS), i // DAYS)[1:]


def born(i: int) -> date:
    return FIRST_BIRTH + timedelta(days=i % DAYS)


def fresh_database() -> None:
    url = make_url(URL)
    admin = url.set(database="postgres").render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{url.database}"')


def register_csv(n: int) -> bytes:
    out = io.StringIO()
    out.write("身份证号,姓名,出生日期,乡镇,村,监护人\n")
    for i in range(n):
        town = TOWNS[i % len(TOWNS)]
        out.write(f"{child_id(i)},儿童{i},{born(i).isoformat()},{town},{town}{i % 30}村,家长{i}\n")
    return out.getvalue().encode()


def poverty_csv(n: int) -> bytes:
    out = io.StringIO()
    out.write("身份证号,姓名,出生日期,乡镇,村,监护人\n")
    for i in range(0, n, 10):
        out.write(f"{child_id(i)},儿童{i},{born(i).isoformat()},{TOWNS[i % 20]},村,家长{i}\n")
    return out.getvalue().encode()


def setup(app, pupils: int) -> list[int]:
    """Schema, a district of 10 schools x 30 classes, and the pupils by COPY: register child i is
    enrolled unless i % 20 == 0; one pupil in 20 is a child from outside the register."""
    from flask_migrate import upgrade

    from app.district.org import add_unit, add_user
    from app.extensions import db
    from app.models import OrgUnit
    with app.app_context():
        upgrade()
        add_unit("D", "区", "district", commit=False)
        add_user("bureau", "bureau_officer", "D", commit=False)
        add_user("principal", "school_admin", "D", commit=False)  # reports the cases of every school
        for s in range(10):
            add_unit(f"S{s}", f"{s}中", "school", "D", commit=False)
            add_unit(f"S{s}-7", "七年级", "grade", f"S{s}", commit=False)
            for c in range(30):
                add_unit(f"S{s}-7-{c}", f"{c}班", "class", f"S{s}-7", commit=False)
        db.session.commit()
        classes = list(db.session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "class").order_by(OrgUnit.id)))
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cur, cur.copy("COPY pupils (student_no, name, gender, birth_date, class_id, guardians, "
                                           "address, township, village, economic_hardship, disability, "
                                           "left_behind, migrant) FROM STDIN") as copy:
            for k in range(pupils):
                i = k if k % 20 else k + 1  # register child k (k % 20 == 0: not enrolled) ...
                number = "G" + (child_id(i) if k % 20 else child_id(k, "522602"))  # ... or a child from elsewhere
                copy.write_row((number, f"学生{k}", "MF"[k % 2], born(i), classes[k % len(classes)], "[]", "",
                                TOWNS[k % 20], "", False, False, False, False))
            for k in range(1, 101):  # enrolled twice: an L number beside the G number
                copy.write_row(("L" + child_id(k * 7 + 1), f"学生{k}", "M", born(k * 7 + 1), classes[0], "[]", "", "",
                                "", False, False, False, False))
        db.session.commit()
        return classes


def out_of_school(app, count: int) -> None:
    """`count` pupils reported out of school, through the engine (open + report)."""
    from app.auth.actor import Actor
    from app.engine.operations import fire, open_case
    from app.extensions import db
    from app.models import Pupil, User
    today = TODAY
    with app.app_context():
        bureau = Actor(db.session.scalar(select(User).where(User.username == "bureau")))
        principal = Actor(db.session.scalar(select(User).where(User.username == "principal")))
        for pid in db.session.scalars(select(Pupil.id).where(Pupil.student_no.like("G%")).order_by(Pupil.id)
                                      .limit(count)).all():
            case_id = open_case(bureau, {"student_id": pid, "detected_on": today, "source": "teacher"})
            fire(case_id, "report", principal, {"dropout_date": today, "reasons": ["learning"], "reason_analysis": "厌学",
                                             "measures_taken": "电话", "measures_effect": "未返校", "next_plan": "家访"},
                 version=1)


def timed(label, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<44} {seconds:7.2f} s   {result}")
    return seconds, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--pupils", type=int, default=None)
    args = parser.parse_args()
    pupils = args.pupils if args.pupils is not None else args.rows
    os.environ.setdefault("BAOXUE_AUDIT_KEY", "bench-" + "k" * 40)
    fresh_database()
    from app import create_app
    from app.audit.history import CLI
    from app.extensions import db
    from app.models import Mismatch, OrgUnit
    from app.registers.compare import compare
    from app.registers.loading import import_register
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")})
    t0 = time.perf_counter()
    setup(app, pupils)
    out_of_school(app, min(100, pupils // 10))
    print(f"set-up: {pupils:,} pupils, {args.rows:,} register rows generated in {time.perf_counter() - t0:.1f} s")
    household, poverty = register_csv(args.rows), poverty_csv(args.rows)
    with app.app_context():
        district = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "D"))

        def load(data, register):
            run = import_register(data, f"{register}.csv", district=district, register=register, who=CLI, via="cli")
            return f"rows {run.rows:,}: inserted {run.inserted:,}, updated {run.updated:,}, deleted {run.deleted:,}"
        first, _ = timed(f"import household register ({args.rows:,} rows)", lambda: load(household, "household"))
        _, again = timed("import the same file again", lambda: load(household, "household"))
        assert "inserted 0, updated 0, deleted 0" in again, again
        timed(f"import poverty list ({args.rows // 10:,} rows)", lambda: load(poverty, "poverty"))
        today = date.fromisoformat(TODAY)
        year = today.year if today.month >= 9 else today.year - 1
        cmp, run = timed(f"compare {args.rows:,} register rows with {pupils:,} pupils",
                         lambda: compare(district, year).to_dict())
        _, rerun = timed("compare again", lambda: compare(district, year).to_dict())
        assert (rerun["new"], rerun["changed"], rerun["resolved"]) == (0, 0, 0), rerun
        kinds = dict(db.session.execute(select(Mismatch.kind, func.count()).group_by(Mismatch.kind)).all())
        print(f"mismatches by kind: {kinds}")
        print(f"RESULT import {first:.1f} s (target 60), compare {cmp:.1f} s (target 60)")


if __name__ == "__main__":
    main()
