"""Email from the outbox, through a real SMTP server (aiosmtpd on loopback): sent once, retried when
the server is down, never blocking the deadline action that caused it."""
import socket
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select, update

from app import clock

from app.deadlines import mail
from app.deadlines import timers
from app.extensions import db
from app.models import Notification, User
from tests.deadline_helpers import remind_on_time


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    with socket.socket() as probe:  # a free loopback port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    yield inbox, controller
    controller.stop()


def emailed_notices(app) -> int:
    with app.app_context():
        return len(db.session.execute(select(Notification.id).join(User, User.id == Notification.user_id)
                                      .where(User.email.is_not(None))).all())


def give_emails(app):
    with app.app_context():
        db.session.execute(update(User).where(User.username.in_(["school_admin", "bureau"]))
                           .values(email=User.username + "@example.edu.cn"))
        db.session.commit()


def test_escalation_notices_are_emailed_once(app, bx, smtp):
    inbox, _ = smtp
    give_emails(app)
    case = bx.open()
    remind_on_time(app)  # the reminder, at its time; then overdue
    clock.freeze(clock.now() + timedelta(days=10))
    with app.app_context():
        first = timers.tick(app)
        assert first["overdue"] == 1
    expected = emailed_notices(app)
    assert expected >= 2 and first["mail"]["sent"] == expected
    with app.app_context():
        assert timers.tick(app).get("mail", {}).get("sent", 0) == 0  # nothing sent twice
    assert len(inbox.messages) == expected
    assert {m["To"] for m in inbox.messages} == {"bureau@example.edu.cn", "school_admin@example.edu.cn"}
    overdue = next(m for m in inbox.messages if m["To"].startswith("bureau"))
    subject = str(make_header(decode_header(overdue["Subject"])))
    assert f"#{case['id']}" in subject and "逾期" in subject
    with app.app_context():
        statuses = db.session.execute(select(Notification.email_status).where(
            Notification.email_status.is_not(None))).scalars().all()
        assert statuses == ["sent"] * expected


def test_smtp_down_then_up_retries_and_sends(app, bx, smtp):
    inbox, controller = smtp
    give_emails(app)
    bx.open()
    url = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"  # nothing listens there
    remind_on_time(app)
    clock.freeze(clock.now() + timedelta(days=10))
    with app.app_context():
        result = timers.tick(app)
        assert result["overdue"] == 1  # the escalation is not held up by the mail server
    expected = emailed_notices(app)
    assert result["mail"]["retry"] == expected
    with app.app_context():
        note = db.session.execute(select(Notification).where(Notification.email_status.is_not(None))
                                  .limit(1)).scalar_one()
        assert note.email_status == "pending" and note.email_attempts == 1 and "connect" in note.email_error
    app.config["SMTP_URL"] = url
    with app.app_context():
        assert mail.send_pending()["sent"] == expected
    assert len(inbox.messages) == expected


def test_without_smtp_notifications_stay_in_the_inbox(app, bx):
    give_emails(app)
    bx.open()
    remind_on_time(app)
    clock.freeze(clock.now() + timedelta(days=10))
    with app.app_context():
        assert "mail" not in timers.tick(app)
        statuses = db.session.execute(select(Notification.email_status)).scalars().all()
        assert len(statuses) >= 2 and set(statuses) == {None}
