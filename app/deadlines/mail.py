"""The email outbox: notifications marked pending are sent by the worker, each at most once on
success, retried on failure (MAX_ATTEMPTS, across ticks), and never blocking the step that caused them.

Delivery is at least once: a worker that dies between the SMTP server's "250 OK" and the commit
sends that one message again; every other path sends once.
"""
import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Notification, User

log = logging.getLogger("baoxue.mail")
MAX_ATTEMPTS = 5


def enabled() -> bool:
    return bool(current_app.config.get("SMTP_URL"))


def addresses(user_ids) -> set[int]:
    """Which of these users get email (none when no SMTP server is configured)."""
    if not enabled() or not user_ids:
        return set()
    return set(db.session.execute(select(User.id).where(User.id.in_(user_ids), User.email.is_not(None),
                                                        User.email != "")).scalars())


def _connect():
    url = urlsplit(current_app.config["SMTP_URL"])
    cls = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    server = cls(url.hostname, url.port or (465 if url.scheme == "smtps" else 25), timeout=10)
    if "starttls" in parse_qs(url.query):
        server.starttls()
    if url.username:
        server.login(unquote(url.username), unquote(url.password or ""))
    return server


def send_pending(limit: int = 200) -> dict:
    """Send what the outbox holds; one commit per message."""
    counts = {"sent": 0, "failed": 0, "retry": 0}
    rows = db.session.execute(select(Notification.id).where(Notification.email_status == "pending")
                              .order_by(Notification.id).limit(limit)).scalars().all()
    if not rows:
        return counts
    try:
        server = _connect()
    except (OSError, smtplib.SMTPException) as e:
        for nid in rows:
            counts[_failed(nid, f"connect: {e}")] += 1
        return counts
    try:
        for nid in rows:
            note = db.session.get(Notification, nid, with_for_update=True)
            if note is None or note.email_status != "pending":
                db.session.rollback()
                continue
            user = db.session.get(User, note.user_id)
            msg = EmailMessage()
            msg["From"] = current_app.config["MAIL_FROM"]
            msg["To"] = user.email
            msg["Subject"] = note.title
            msg.set_content(f"{user.display_name}:\n\n{note.title}\n\n— 保学 Baoxue")
            try:
                server.send_message(msg)
            except smtplib.SMTPException as e:
                db.session.rollback()
                counts[_failed(nid, str(e))] += 1
                continue
            note.email_status, note.emailed_at = "sent", clock.now()
            note.email_attempts += 1
            db.session.commit()
            counts["sent"] += 1
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass
    log.info("outbox", extra=counts)
    return counts


def _failed(nid: int, error: str) -> str:
    note = db.session.get(Notification, nid)
    note.email_attempts += 1
    note.email_error = error[:300]
    note.email_status = "failed" if note.email_attempts >= MAX_ATTEMPTS else "pending"
    db.session.commit()
    return "failed" if note.email_status == "failed" else "retry"
