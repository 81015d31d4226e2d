"""Who changed what outside a case's workflow, written in the same transaction as the change:

- a pupil's history (`pupil_events`): created / imported / updated, each changed field old -> new,
  and the import run it came from;
- the admin-event log (`admin_events`): users, roles, units, enrolment, calendar overrides, and
  attempts to create a pupil whose 学籍号 is registered outside the caller's scope.

Both tables are append-only in the database (migration 0007). Readers get personal values masked
when their roles see masked pupil cards.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app import clock
from app.errors import BadRequest
from app.extensions import db
from app.models import AdminEvent, ImportRun, PupilEvent
from app.models.pupils import FLAGS, mask_middle, mask_name
from app.web.keyset import Keys


@dataclass(frozen=True)
class By:
    """Who did it: a user (id, username), or the operator at the command line, or the system itself."""
    id: int | None
    name: str


CLI = By(None, "cli")
SYSTEM = By(None, "system")  # seeding: the demo district, fixtures


def by(actor) -> By:
    return By(actor.id, actor.username)


# --- admin events ---------------------------------------------------------------------------------

ADMIN_ACTIONS = ("user_added", "role_granted", "role_revoked", "password_set", "user_deactivated",
                 "user_reactivated", "unit_added", "enrolment_changed", "calendar_set", "calendar_cleared",
                 "student_no_collision", "risk_tracker_set")
ADMIN_ACTIONS += ("deadline_retried",)  # an admin retried a failed deadline action (app/deadlines/incidents.py)
ADMIN_ACTIONS += ("password_reset",)  # a temporary password, to be changed at the next login (app/auth/accounts.py)
# 四查三比对 (app/registers): a register imported; a mismatch opened as a case, or dismissed with a reason.
# The bureau set a unit's targets for a school year (app/reports/targets.py); a school's month of
# abnormal 学籍 status counts (app/reports/status.py).
ADMIN_ACTIONS += ("targets_set", "status_counts_set")
# The county drew a quarter's re-checks of the pupils struck off the ledgers (app/rechecks).
ADMIN_ACTIONS += ("recheck_drawn",)
ADMIN_ACTIONS += ("register_imported", "mismatch_case_opened", "mismatch_dismissed", "register_figures_set")


def admin_event(who: By, action: str, target: str, before: dict | None = None,
                after: dict | None = None) -> AdminEvent:
    """Add an admin event to the session: it commits (or rolls back) with the change it records."""
    assert action in ADMIN_ACTIONS, action
    event = AdminEvent(at=clock.now(), actor_id=who.id, actor=who.name, action=action, target=target[:200],
                       before=before, after=after)
    db.session.add(event)
    return event


def set_recorded(who: By, model, key: dict, after: dict, action: str, target: str):
    """Set the row of `model` identified by `key` (column: value) to `after`, creating it if need be, with
    an admin event holding the values before and after; committed. Setting the same values again
    changes nothing and records nothing. Serves the figures and settings a bureau enters (targets, the
    other offices' counts, a school's monthly status counts)."""
    row = db.session.scalar(select(model).filter_by(**key))
    before = None
    if row is None:
        row = model(**key)
        db.session.add(row)
    else:
        before = {f: getattr(row, f) for f in after}
        if before == after:
            return row
    for f, value in after.items():
        setattr(row, f, value)
    row.updated_at, row.updated_by = clock.now(), who.name
    admin_event(who, action, target, before, after)
    db.session.commit()
    return row


ADMIN_EVENT_KEYS = Keys(AdminEvent.at, AdminEvent.id, descending=True)  # newest first; by cursor


def admin_events_query(action: str | None = None, actor: str | None = None):
    """(rows query newest first, count query) for the page and the API, filtered alike."""
    where = []
    if action:
        where.append(AdminEvent.action == action)
    if actor:
        where.append(AdminEvent.actor == actor)
    return (ADMIN_EVENT_KEYS.sorted(select(AdminEvent).where(*where)),
            select(func.count(AdminEvent.id)).where(*where))


def _mask_numbers(values: dict | None) -> dict | None:
    # A 学籍号 holds a national ID number: supervisors see that someone probed, not the number itself.
    if not values or "student_no" not in values:
        return values
    return {**values, "student_no": mask_middle(values["student_no"], 4, 4)}


def admin_event_dict(e: AdminEvent) -> dict:
    return {"id": e.id, "at": e.at.isoformat() + "Z", "actor": e.actor, "actor_id": e.actor_id, "action": e.action,
            "target": e.target, "before": _mask_numbers(e.before), "after": _mask_numbers(e.after)}


def admin_event_filters(args) -> tuple[str | None, str | None]:
    """The action and actor filters of a request (page and API alike); an unknown action is 400."""
    action = args.get("action", "").strip() or None
    if action and action not in ADMIN_ACTIONS:
        raise BadRequest(f"action 须为 {', '.join(ADMIN_ACTIONS)} 之一 / action must be one of "
                         f"{', '.join(ADMIN_ACTIONS)}", field="action")
    who = args.get("actor", "").strip() or None
    if who and len(who) > 64:
        raise BadRequest("actor 过长 / actor is too long", field="actor")
    return action, who


# --- pupil history --------------------------------------------------------------------------------

def pupil_snapshot(values: dict, class_code: str | None) -> dict:
    """A pupil's recorded fields as JSON values (the class by its code, dates as ISO text)."""
    snap = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()
            if k not in ("class_id", "id")}
    snap["class_code"] = class_code
    return snap


def snapshot_of(pupil) -> dict:
    fields = ("student_no", "name", "gender", "birth_date", "guardians", "address", "township", "village", *FLAGS)
    return pupil_snapshot({f: getattr(pupil, f) for f in fields}, pupil.klass.code if pupil.klass else None)


def changes(old: dict | None, new: dict) -> dict:
    """{field: [old, new]} for each field that differs (old is None for a new pupil)."""
    if old is None:  # a new pupil: what it was given (empty fields and unset flags say nothing)
        return {k: [None, v] for k, v in new.items() if v not in ("", [], False, None)}
    return {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}


def pupil_event(pupil, who: By, action: str, changed: dict, run: ImportRun | None = None) -> PupilEvent:
    event = PupilEvent(pupil=pupil, at=clock.now(), actor_id=who.id, actor=who.name, action=action,
                       changes=changed, import_run_id=run.id if run else None)
    db.session.add(event)
    return event


def pupil_event_row(pupil_id: int, who: By, action: str, changed: dict, at) -> dict:
    """The same event as a row for a write that is not the session's (a case step's own write: a pupil
    moved to the class a transfer was accepted into commits with that step, or not at all)."""
    return {"pupil_id": pupil_id, "at": at, "actor_id": who.id, "actor": who.name, "action": action,
            "changes": changed, "import_run_id": None}


def start_import(who: By, via: str, filename: str) -> ImportRun:
    """Committed at once: the pupils' events of every batch point to it, whatever becomes of a batch."""
    run = ImportRun(at=clock.now(), actor_id=who.id, actor=who.name, via=via, filename=(filename or "")[:255])
    db.session.add(run)
    db.session.commit()
    return run


def finish_import(run: ImportRun, report, error: str | None = None) -> None:
    """The one permitted update of an import run: its counts, once (the database seals it after)."""
    db.session.rollback()  # nothing half-written of a batch may ride along
    run = db.session.get(ImportRun, run.id)
    run.finished_at = clock.now()
    run.rows, run.created, run.updated = report.rows, report.created, report.updated
    run.unchanged, run.failed, run.error = report.unchanged, len(report.errors), (error or None) and error[:300]
    db.session.commit()


def pupil_history(pupil_id: int) -> list[PupilEvent]:
    return db.session.execute(select(PupilEvent).where(PupilEvent.pupil_id == pupil_id)
                              .order_by(PupilEvent.at, PupilEvent.id)).scalars().all()


def _mask_guardians(guardians):
    return [{**g, "name": mask_name(g.get("name") or ""), "phone": mask_middle(g.get("phone") or "", 3, 2)}
            for g in guardians or []]


HIDDEN = "***"
# How each personal field is shown to a role that sees masked pupil cards (as Pupil.to_dict masks them).
MASKS = {"student_no": lambda v: mask_middle(v, 4, 4), "name": mask_name, "guardians": _mask_guardians,
         "birth_date": lambda v: HIDDEN, "address": lambda v: HIDDEN, "township": lambda v: HIDDEN,
         "village": lambda v: HIDDEN}


def _masked(field: str, value):
    return MASKS[field](value) if value not in (None, "", []) and field in MASKS else value


def pupil_event_dict(e: PupilEvent, *, masked: bool) -> dict:
    changed = ({k: [_masked(k, old), _masked(k, new)] for k, (old, new) in e.changes.items()}
               if masked else e.changes)
    return {"id": e.id, "at": e.at.isoformat() + "Z", "actor": e.actor, "actor_id": e.actor_id, "action": e.action,
            "changes": changed, "import": e.import_run.to_dict() if e.import_run else None}
