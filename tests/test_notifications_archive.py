"""`baoxue notifications archive`: old read notifications leave the inbox table for
notifications_archive (same ids), unread ones and pending emails stay, every user's unread count is
unchanged, and running it again moves nothing. On PostgreSQL a month whose every row moves is
detached whole and attached to the archive."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.conftest import IS_PG

MAR, APR, JUN = datetime(2024, 3, 10), datetime(2024, 4, 10), datetime(2024, 6, 10)


def _sql(sql, **params):
    return db.session.execute(sa.text(sql), params)


def _notices(app):
    """Per month: read ones, an unread one in April, a read one with its email pending in April."""
    with app.app_context():
        user = _sql("SELECT min(id) FROM users").scalar()
        rows = [(MAR, MAR, None), (MAR, MAR, None), (APR, APR, None), (APR, None, None), (APR, APR, "pending"),
                (JUN, JUN, None)]
        for created, read, email in rows:
            _sql("INSERT INTO notifications (user_id, kind, level, title, body, created_at, read_at, email_status, "
                 "email_attempts) VALUES (:u, 'reminder', 0, 't', '', :c, :r, :e, 0)", u=user, c=created, r=read, e=email)
        db.session.commit()
        return user


def _ids(table):
    return _sql(f"SELECT id FROM {table} ORDER BY id").scalars().all()


def _unread(user):
    return _sql("SELECT count(*) FROM notifications WHERE user_id = :u AND read_at IS NULL", u=user).scalar()


def test_archive_moves_old_read_notifications_once(app, district, runner, client):
    user = _notices(app)
    if IS_PG:  # the old months get partitions of their own (their rows wait in DEFAULT until then)
        assert runner.invoke(args=["db", "partitions"]).exit_code == 0
    with app.app_context():
        ids, unread = _ids("notifications"), _unread(user)
    out = runner.invoke(args=["notifications", "archive", "--before", "2024-05"])
    assert out.exit_code == 0, out.output
    assert "3 read notifications before 2024-05-01 archived from 2 months" in out.output
    if IS_PG:  # March moved whole; April has an unread notice and a pending email, so row by row
        assert "(2 in whole partitions detached, 1 moved row by row)" in out.output
    with app.app_context():
        archived = _ids("notifications_archive")
        assert archived == [ids[0], ids[1], ids[2]]
        assert _ids("notifications") == ids[3:]
        assert _unread(user) == unread
        if IS_PG:
            part = _sql("SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = "
                        "to_regclass('notifications_archive_p202403')").scalar()
            assert part == "notifications_archive"
            assert _sql("SELECT to_regclass('notifications_p202403')").scalar() is None
        db.session.remove()
    again = runner.invoke(args=["notifications", "archive", "--before", "2024-05"])
    assert again.exit_code == 0 and "0 read notifications" in again.output, again.output
    # --all takes the unread one too, never the pending email
    everything = runner.invoke(args=["notifications", "archive", "--before", "2024-05", "--all"])
    assert "1 all notifications" in everything.output, everything.output
    with app.app_context():
        assert _ids("notifications") == [ids[4], ids[5]]
        assert _unread(user) == unread - 1


def test_archive_defaults_to_twelve_months_ago_and_refuses_a_bad_month(app, district, runner):
    _notices(app)
    out = runner.invoke(args=["notifications", "archive"])
    assert out.exit_code == 0 and "4 read notifications before" in out.output, out.output
    bad = runner.invoke(args=["notifications", "archive", "--before", "2024-5x"])
    assert bad.exit_code == 2 and "is not YYYY-MM" in bad.output


@pytest.mark.skipif(not IS_PG, reason="the keys table is PostgreSQL's")
def test_an_archived_notice_still_counts_as_sent(app, district, runner, bx):
    """The notice-once key of an archived notification stays: the deadline action cannot notify again."""
    case = bx.open()["id"]
    with app.app_context():
        user = _sql("SELECT min(id) FROM users").scalar()
        deadline = _sql("SELECT min(id) FROM deadlines WHERE case_id = :c", c=case).scalar()
        _sql("INSERT INTO notifications (user_id, deadline_id, kind, level, title, body, created_at, read_at, "
             "email_attempts) VALUES (:u, :d, 'overdue', 1, 't', '', :c, :c, 0)", u=user, d=deadline, c=MAR)
        db.session.commit()
    assert "1 read" in runner.invoke(args=["notifications", "archive", "--before", "2024-05"]).output
    with app.app_context():
        with pytest.raises(sa.exc.IntegrityError, match="uq_notification_once"):
            _sql("INSERT INTO notifications (user_id, deadline_id, kind, level, title, body, created_at, "
                 "email_attempts) VALUES (:u, :d, 'overdue', 1, 't', '', :c, 0)", u=user, d=deadline, c=JUN)
        db.session.rollback()
