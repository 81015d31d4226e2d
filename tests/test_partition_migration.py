"""Migration 0027 on a database with data: `db upgrade` from 0026 makes the growing tables partitioned
(PostgreSQL) and keeps every row with its id, the sequences going on, the audit chain verifying and
the steps working; `db downgrade 0026` makes them plain tables again with the same rows."""
from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import clock
from app.audit import chain as audit
from app.extensions import db
from app.partitions import TABLES
from tests.conftest import IS_PG

OCT_20 = datetime(2026, 10, 20, 2, 0)


def _sql(sql, **params):
    return db.session.execute(sa.text(sql), params)


def _rows() -> dict:
    """Every row of the five tables as (id, timestamp) pairs, and the case events' hashes."""
    out = {t: [tuple(r) for r in _sql(f"SELECT id, {k} FROM {t} ORDER BY id").all()] for t, k in TABLES.items()}
    out["hashes"] = [tuple(r) for r in _sql("SELECT case_id, seq, hash FROM case_events ORDER BY id").all()]
    return out


def _kinds() -> set:
    if not IS_PG:
        return set()
    return set(_sql("SELECT relkind FROM pg_class WHERE relname = ANY(:names)", names=list(TABLES)).scalars())


def _data_of_the_previous_release(bx) -> int:
    """Cases walked through the API in two months, their reads, and rows in every other table."""
    case = bx.open()["id"]
    bx.step(case, "report", "school_admin", reasons=["economic"])
    bx.case(case, as_="teacher")
    clock.freeze(datetime(2027, 2, 10, 2, 0))  # a month past the partitions made ahead at upgrade time
    other = bx.open()["id"]
    bx.case(other, as_="teacher")
    with bx.app.app_context():
        user = _sql("SELECT min(id) FROM users").scalar()
        deadline = _sql("SELECT min(id) FROM deadlines").scalar()
        for at in (OCT_20, datetime.now()):
            _sql("INSERT INTO pupil_events (pupil_id, at, actor, action, changes) VALUES (:p, :at, 'x', 'updated', '{}')",
                 p=bx.district.pupils[5], at=at)
            _sql("INSERT INTO admin_events (at, actor, action, target) VALUES (:at, 'x', 'user.create', 'u')", at=at)
        _sql("INSERT INTO notifications (user_id, deadline_id, kind, level, title, body, created_at, email_attempts) "
             "VALUES (:u, :d, 'overdue', 1, 't', '', :at, 0)", u=user, d=deadline, at=OCT_20)
        db.session.commit()
    return case


def test_upgrade_partitions_a_database_with_data_and_downgrade_undoes_it(bx):
    with bx.app.app_context():
        db.session.remove()
        downgrade(revision="0026")
        db.session.remove()
    try:
        case = _data_of_the_previous_release(bx)
        with bx.app.app_context():
            before = _rows()
            assert all(before[t] for t in TABLES), before
            assert _kinds() <= {"r"}
            db.session.remove()
            clock.reset()
            upgrade()
            assert _kinds() == ({"p"} if IS_PG else set())
            assert _rows() == before  # no row lost, none renumbered, no event rewritten
            assert audit.verify()["ok"]
            if IS_PG:  # each row in its month's partition
                assert _sql("SELECT tableoid::regclass::text FROM pupil_events WHERE at = :at",
                            at=OCT_20).scalar() == "pupil_events_p202610"
            db.session.remove()
        # the migrated case goes on; new rows take the next ids; a duplicate notice is still refused
        bx.step(case, "start_visits", "school_admin")
        with bx.app.app_context():
            after = _rows()
            assert min(i for i, _ in after["case_events"][len(before["case_events"]):]) > before["case_events"][-1][0]
            assert audit.verify()["ok"]
            try:
                _sql("INSERT INTO notifications (user_id, deadline_id, kind, level, title, body, created_at, "
                     "email_attempts) SELECT user_id, deadline_id, kind, level, title, body, :at, 0 FROM notifications",
                     at=datetime(2026, 12, 1))
                refused = False
            except sa.exc.IntegrityError:
                refused = True
            db.session.rollback()
            assert refused
            # and back: plain tables, the same rows
            db.session.remove()
            downgrade(revision="0026")
            assert _kinds() <= {"r"}
            assert _rows() == after
            assert audit.verify()["ok"]
            db.session.remove()
    finally:
        with bx.app.app_context():
            db.session.remove()
            upgrade()
