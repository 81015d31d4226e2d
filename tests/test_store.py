"""The step's write is all or nothing, on both backends: a stale read writes nothing at all."""
from datetime import timedelta

from sqlalchemy import func, select, update

from app import clock

from app.audit import chain as audit
from app.engine import machine, store
from app.extensions import db
from app.models import Case, CaseAssignee, CaseEvent, Deadline


def _counts(case_id):
    return (db.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case_id)),
            db.session.execute(select(Deadline.status, func.count()).where(Deadline.case_id == case_id)
                               .group_by(Deadline.status).order_by(Deadline.status)).all(),
            db.session.scalar(select(func.count(CaseAssignee.id)).where(CaseAssignee.case_id == case_id)))


def _step_for(snap, now):
    """A 'report' step's writes, as fire() would make them from this snapshot."""
    from app.deadlines import clocks
    defn = machine.get("dropout")
    met, cancelled = clocks.settle(defn, snap.open_deadlines, "report", "reported")
    opened = clocks.new_rows(defn, snap.id, "reported", now)
    event = audit.prepare(snap.id, (snap.last_seq, snap.last_hash), actor_id=None, actor="test", role="school_admin",
                          action="report", from_state=snap.state, to_state="reported", data={}, at=now)
    return {"state": "reported", "version": snap.version + 1, "vars": {}}, event, met, cancelled, opened


def in_step(work):
    """Run work(tx) in one step transaction, closed whatever happens."""
    tx = store.begin()
    try:
        return work(tx)
    finally:
        tx.close()


def test_a_step_read_before_another_event_writes_nothing(app, bx):
    case = bx.open()
    now = clock.now() + timedelta(seconds=1)
    with app.app_context():
        snap = in_step(lambda tx: tx.load(case["id"]))
        values, event, met, cancelled, opened = _step_for(snap, now)
        assert met and opened  # the step would meet the report clock and open the verification clock
        # Meanwhile the system appends an event (as an escalation does): the chain head moves on.
        other = audit.prepare(snap.id, (snap.last_seq, snap.last_hash), actor_id=None, actor="system",
                              role="system", action="overdue", from_state=snap.state, to_state=snap.state, data={},
                              at=now)
        audit.append(other)
        db.session.execute(update(Case).where(Case.id == snap.id).values(last_seq=other["seq"],
                                                                          last_hash=other["hash"]))
        db.session.commit()
        before = _counts(snap.id)
        extra = [("case_assignees", {"case_id": snap.id, "user_id": 1, "role": "grade_leader"})]
        assert in_step(lambda tx: tx.write_step(snap.id, snap.version, values, event, met, cancelled, opened, now,
                                                extra)) is False
        db.session.expire_all()
        assert _counts(snap.id) == before
        row = db.session.get(Case, snap.id)
        assert (row.state, row.version, row.last_seq) == ("detected", 1, 2)
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def test_a_fresh_step_writes_everything_once(app, bx):
    case = bx.open()
    now = clock.now() + timedelta(seconds=1)
    with app.app_context():
        snap = in_step(lambda tx: tx.load(case["id"]))
        values, event, met, cancelled, opened = _step_for(snap, now)
        assert in_step(lambda tx: tx.write_step(snap.id, snap.version, values, event, met, cancelled, opened,
                                                now)) is True
        events, deadlines, _ = _counts(snap.id)
        assert events == 2 and dict(deadlines) == {"met": 1, "open": 1}
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
