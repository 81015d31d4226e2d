"""Monthly partitions (app/partitions): every uniqueness the code relies on still refuses a duplicate,
the append-only guards hold on the partitioned tables and on every partition, and `baoxue db
partitions` creates the months ahead and moves rows that landed in DEFAULT into their month."""
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from app import clock
from app.audit import chain as audit
from app.extensions import db
from app.partitions import TABLES, catalog
from tests.conftest import IS_PG
from tests.test_db_roles import _privileges, app_role, granted  # noqa: F401  (the role fixtures)

pg = pytest.mark.skipif(not IS_PG, reason="the tables are partitioned on PostgreSQL only")
# the refusal names the constraint on PostgreSQL (a keys table's, under the same name), the columns on SQLite
SEQ_TAKEN = "uq_case_events_case_seq" if IS_PG else "case_events.case_id, case_events.seq"
NOTIFIED = "uq_notification_once" if IS_PG else "notifications.deadline_id, notifications.kind"


def _sql(sql, **params):
    return db.session.execute(sa.text(sql), params)


def _event_copy(case_id: int, at: datetime):
    """Insert a copy of the case's first event (same case_id and seq) at another time."""
    _sql("INSERT INTO case_events (case_id, seq, at, actor_id, actor, role, action, from_state, to_state, data, "
         "prev_hash, hash, occurred_on) SELECT case_id, seq, :at, actor_id, actor, role, action, from_state, "
         "to_state, data, prev_hash, hash, occurred_on FROM case_events WHERE case_id = :c AND seq = 1",
         at=at, c=case_id)


@pytest.mark.parametrize("at", [datetime(2031, 5, 3), datetime(2020, 1, 1)])
def test_a_second_event_with_a_cases_seq_is_refused_in_any_month(bx, at):
    """(case_id, seq) stays unique across partitions: the hash chain has one event per seq."""
    case = bx.open()["id"]
    with bx.app.app_context():
        with pytest.raises(IntegrityError, match=SEQ_TAKEN):
            _event_copy(case, at)
        db.session.rollback()
        assert _sql("SELECT count(*) FROM case_events WHERE case_id = :c", c=case).scalar() == 1
        assert audit.verify()["ok"]


def _notice(deadline_id, user_id, at: datetime, kind="overdue", level=1, read_at=None):
    _sql("INSERT INTO notifications (user_id, case_id, deadline_id, kind, level, title, body, created_at, read_at, "
         "email_attempts) VALUES (:u, NULL, :d, :k, :l, 't', '', :at, :r, 0)",
         u=user_id, d=deadline_id, k=kind, l=level, at=at, r=read_at)


def _deadline_and_user(bx):
    case = bx.open()["id"]
    with bx.app.app_context():
        deadline = _sql("SELECT min(id) FROM deadlines WHERE case_id = :c", c=case).scalar()
        user = _sql("SELECT min(id) FROM users").scalar()
    return deadline, user


def test_a_deadline_action_notifies_a_user_once_in_any_month(bx):
    deadline, user = _deadline_and_user(bx)
    with bx.app.app_context():
        _notice(deadline, user, datetime(2026, 12, 1))
        db.session.commit()
        with pytest.raises(IntegrityError, match=NOTIFIED):
            _notice(deadline, user, datetime(2031, 5, 3))
        db.session.rollback()
        # another level, or a notice of no deadline (NULLs are never equal), is another notice
        _notice(deadline, user, datetime(2031, 5, 3), level=2)
        _notice(None, user, datetime(2026, 12, 2))
        _notice(None, user, datetime(2026, 12, 2))
        db.session.commit()
        assert _sql("SELECT count(*) FROM notifications").scalar() == 4


@pg
def test_the_key_columns_of_a_notice_do_not_change(bx):
    deadline, user = _deadline_and_user(bx)
    with bx.app.app_context():
        _notice(deadline, user, datetime(2026, 12, 1))
        db.session.commit()
        with pytest.raises(IntegrityError, match="do not change"):
            _sql("UPDATE notifications SET level = 5")
        db.session.rollback()
        _sql("UPDATE notifications SET read_at = :t", t=datetime(2026, 12, 2))  # reading one is fine
        db.session.commit()


def _partitions(table):
    return [name for name, _ in catalog.partitions(db.session.connection(), table)]


def _history_rows(bx):
    """Rows in every history table, this month's and one in DEFAULT (a month that has no partition)."""
    case = bx.case_in("reported")["id"]
    bx.case(case, as_="teacher")  # an access_log row
    with bx.app.app_context():
        user, pupil = _sql("SELECT min(id) FROM users").scalar(), bx.district.pupils[0]
        for at in (clock.now(), datetime(2031, 5, 3)):
            _sql("INSERT INTO pupil_events (pupil_id, at, actor, action, changes) VALUES (:p, :at, 'x', 'updated', '{}')",
                 p=pupil, at=at)
            _sql("INSERT INTO admin_events (at, actor, action, target) VALUES (:at, 'x', 'user.create', 'u')", at=at)
            _sql("INSERT INTO access_log (at, user_id, pupil_id, via, what) VALUES (:at, :u, :p, 'test', 'timeline')",
                 at=at, u=user, p=pupil)
        db.session.commit()


@pg
@pytest.mark.parametrize("table", ["case_events", "access_log", "pupil_events", "admin_events", "case_event_keys"])
def test_history_stays_append_only_on_the_table_and_each_partition(bx, table):
    _history_rows(bx)
    column = "seq" if table == "case_event_keys" else "id"
    with bx.app.app_context():
        parts = _partitions(table) if table in TABLES else []
        assert table not in TABLES or any(p.endswith("_default") for p in parts)
        # a row trigger fires on a partition with rows (this month's, DEFAULT's); TRUNCATE is refused on every one
        full = [t for t in [table] + parts if _sql(f"SELECT EXISTS (SELECT 1 FROM {t})").scalar()]
        assert table in full and (not parts or len(full) >= 2), full
        statements = [f"UPDATE {t} SET {column} = {column}" for t in full] + [f"DELETE FROM {t}" for t in full]
        for sql in statements + [f"TRUNCATE {t}" for t in [table] + parts]:
            with pytest.raises(DBAPIError, match=f"{table} is append-only"):
                _sql(sql)
            db.session.rollback()


def _row_in(table: str, at: datetime) -> str:
    """The partition holding the table's rows at `at`."""
    return _sql(f"SELECT DISTINCT tableoid::regclass::text FROM {table} WHERE at = :at", at=at).scalar()


@pg
def test_db_partitions_creates_months_ahead_and_moves_default_rows_into_their_month(bx, runner):
    far = datetime(2031, 5, 3, 8, 0)
    clock.freeze(far)
    case = bx.open()["id"]  # its events and the access log of the reads land in DEFAULT: no such month yet
    bx.step(case, "report", "school_admin", reasons=["economic"])
    bx.case(case, as_="teacher")
    with bx.app.app_context():
        assert _row_in("case_events", far) == "case_events_default"
        ids = _sql("SELECT id, seq, hash FROM case_events ORDER BY id").all()
        db.session.remove()
    out = runner.invoke(args=["db", "partitions"])
    assert out.exit_code == 0, out.output
    assert "case_events_p203105 (2 rows from DEFAULT)" in out.output and "access_log_p203108" in out.output
    with bx.app.app_context():
        assert _row_in("case_events", far) == "case_events_p203105"
        assert _row_in("access_log", far) == "access_log_p203105"
        assert _sql("SELECT count(*) FROM case_events_default").scalar() == 0
        assert _sql("SELECT id, seq, hash FROM case_events ORDER BY id").all() == ids
        assert audit.verify()["ok"]
        for sql in ("UPDATE case_events_p203105 SET seq = seq", "TRUNCATE case_events_p203105"):
            with pytest.raises(DBAPIError, match="append-only"):
                _sql(sql)
            db.session.rollback()
        with pytest.raises(IntegrityError, match=SEQ_TAKEN):
            _event_copy(case, datetime(2026, 12, 5))
        db.session.rollback()
        db.session.remove()
    # the case goes on in the new month; running it again creates nothing
    bx.step(case, "verify", "bureau")
    with bx.app.app_context():
        assert _sql("SELECT max(seq) FROM case_events_p203105 WHERE case_id = :c", c=case).scalar() == 3
        assert audit.verify()["ok"]
    again = runner.invoke(args=["db", "partitions"])
    assert again.exit_code == 0 and "0 partitions created" in again.output, again.output


@pg
def test_the_workers_daily_job_keeps_the_months_ahead(app):
    from app.partitions import jobs
    clock.freeze(datetime(2032, 2, 10))
    with app.app_context():
        assert jobs.run_now() == {"created": 4 * len(TABLES), "moved": 0}
        assert "notifications_p203205" in _partitions("notifications")
        assert jobs.run_now() == {"created": 0, "moved": 0}


def test_db_partitions_says_sqlite_needs_none(runner):
    if IS_PG:
        pytest.skip("SQLite's answer")
    out = runner.invoke(args=["db", "partitions"])
    assert out.exit_code == 0 and "not partitioned" in out.output



@pg
def test_the_app_role_may_only_read_and_append_to_every_partition(app, runner, granted):
    """db grants narrows each partition (and the keys tables) as its table; a month made later by
    db partitions gets its table's privileges, not the broader default ones."""
    first = _privileges(granted)
    for table in ("case_events_default", "access_log_default", "case_event_keys", "notification_keys"):
        assert first[table] == "INSERT,SELECT", table
    clock.freeze(datetime(2033, 7, 1))
    assert runner.invoke(args=["db", "partitions"]).exit_code == 0
    later = _privileges(granted)
    assert later["case_events_p203307"] == "INSERT,SELECT"
    assert later["notifications_p203307"] == "DELETE,INSERT,SELECT,UPDATE"
