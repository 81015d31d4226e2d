"""Moving the clock to a deadline's reminder: a reminder that only runs after its deadline is skipped
(the overdue action supersedes it), so tests that jump past the due day fire the reminders first, at
their time, as a worker that was up would have."""
from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.deadlines import actions
from app.extensions import db
from app.models import Deadline


def at_reminder_time(app):
    """Freeze the clock a minute after the earliest open reminder; return that time."""
    with app.app_context():
        at = db.session.scalar(select(func.min(Deadline.remind_at)).where(Deadline.status == "open"))
        db.session.remove()
    clock.freeze(at + timedelta(minutes=1))
    return at + timedelta(minutes=1)


def remind_on_time(app):
    """Send the open reminders at their time (the sweep), leaving the clock there."""
    at_reminder_time(app)
    with app.app_context():
        actions.sweep()
        db.session.remove()


def due_in(app, case_id: int, seconds: int):
    """Make the case's report deadline fall due `seconds` from now and set its alarm; return the due time."""
    from datetime import timedelta

    from sqlalchemy import update

    from app.deadlines import timers
    due = clock.now().replace(microsecond=0) + timedelta(seconds=seconds)
    with app.app_context():
        db.session.execute(update(Deadline).where(Deadline.case_id == case_id)
                           .values(next_action="due", next_action_at=due, due_at=due))
        db.session.commit()
        timers.schedule(app, [(case_id, "report", 0, "due", due)])
    return due
