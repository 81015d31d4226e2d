"""What keeps children's personal data out of places it does not belong: logs and caches.

- Logs: every log record of the process (werkzeug's request lines, waitress, the app's own "unexpected
  error on ..." lines, tracebacks) is redacted when it is made: the value of a search parameter and
  anything shaped like a 学籍号 / ID number or a mobile number. One record factory does it, so no logger
  or handler can be forgotten.
- Caches: every API answer and every page for a logged-in user says `Cache-Control: no-store` (a shared
  school computer's browser cache, a proxy). The rule is that simple on purpose: nearly every
  authenticated page shows a pupil, and a page that does not costs nothing by not being cached.
"""
import logging
import re
import traceback

from flask import request
from flask_login import current_user

from app.privacy.masking import PHONE_LIKE, mask_phone, mask_student_no

# Query parameters whose value is a name or a number searched for, also percent-encoded inside another
# URL (the login page's next=/cases?q%3D...).
SEARCH_PARAMS = re.compile(r"(?i)((?:[?&]|%3F|%26)(?:q|student_no|id_number|name)(?:=|%3D))(?:(?!%26)[^&\s\"'])*")
# An ID number between any non-digits (in a log line it may follow "%3D" or "q=").
ID_IN_LOGS = re.compile(r"(?<!\d)[GLJglj]?\d{17}[\dXx](?!\d)")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    text = SEARCH_PARAMS.sub(lambda m: m.group(1) + REDACTED, text)
    text = ID_IN_LOGS.sub(lambda m: mask_student_no(m.group(0)), text)
    return PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


_base_factory = None


def _redacting_factory(*args, **kwargs) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to the handler's own error reporting
        return record
    record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[0] is not None:
        # Formatters use exc_text when it is set: the traceback goes out redacted too.
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    return record


def install_log_redaction() -> None:
    """Idempotent: the factory is wrapped once per process."""
    global _base_factory
    current = logging.getLogRecordFactory()
    if current is not _redacting_factory:
        _base_factory = current
        logging.setLogRecordFactory(_redacting_factory)


def _no_store(response):
    if request.path.startswith("/api/") or (not request.path.startswith("/static/")
                                            and current_user.is_authenticated):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
    return response


def init_app(app) -> None:
    install_log_redaction()
    app.after_request(_no_store)
