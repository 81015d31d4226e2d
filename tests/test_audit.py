"""The audit trail: append-only in the database, hash-chained, and verify() names the first broken event."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from tests.conftest import IS_PG


def a_history(bx):
    first = bx.case_in("visiting")
    second = bx.case_in("reported")
    return first, second


def execute(app, sql, **params):
    with app.app_context():
        with db.engine.begin() as conn:
            return conn.execute(sa.text(sql), params)


@pytest.mark.parametrize("sql", ["UPDATE case_events SET actor = 'mallory' WHERE id = 1",
                                 "DELETE FROM case_events WHERE id = 1",
                                 "DELETE FROM case_events"])
def test_database_refuses_update_and_delete_of_events(app, bx, sql):
    a_history(bx)
    with pytest.raises(DatabaseError, match="append-only"):
        execute(app, sql)
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def test_events_carry_sequence_actor_role_and_chained_hashes(bx):
    case, _ = a_history(bx)
    events = bx.events(case["id"])
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["prev_hash"] == "0" * 64
    for prev, e in zip(events, events[1:]):
        assert e["prev_hash"] == prev["hash"]
    assert [(e["actor"], e["role"], e["action"]) for e in events] == [
        ("teacher", "class_teacher", "open"), ("school_admin", "school_admin", "report"),
        ("school_admin", "school_admin", "start_visits")]


def drop_guard(app):
    if IS_PG:
        execute(app, "ALTER TABLE case_events DISABLE TRIGGER case_events_append_only")
    else:
        execute(app, "DROP TRIGGER case_events_no_update")
        execute(app, "DROP TRIGGER case_events_no_delete")


def test_tampered_content_is_caught_and_named(app, bx, runner):
    case, other = a_history(bx)
    drop_guard(app)
    target = bx.events(case["id"])[1]
    execute(app, "UPDATE case_events SET actor = 'mallory' WHERE case_id = :c AND seq = 2", c=case["id"])
    result = bx.get("/audit/verify", as_="supervisor").get_json()
    assert result["ok"] is False
    assert result["first_broken"]["case_id"] == case["id"] and result["first_broken"]["seq"] == 2
    assert result["first_broken"]["reason"] == "content does not match its hash"
    assert target["hash"]  # the stored hash is the one that no longer matches
    out = runner.invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and f"case {case['id']} event seq 2" in out.output
    # the other case's chain still holds on its own
    assert bx.get(f"/audit/verify?case={other['id']}", as_="supervisor").get_json()["ok"] is True


def test_rehashed_forgery_is_caught_at_the_next_link(app, bx):
    case, _ = a_history(bx)
    drop_guard(app)
    # A forger who recomputes the tampered event's own hash still breaks the link to the next one.
    from app.audit import event_hash, key
    with app.app_context():
        from app.models import CaseEvent
        e = db.session.execute(sa.select(CaseEvent).where(CaseEvent.case_id == case["id"], CaseEvent.seq == 2)
                               ).scalar_one()
        forged = event_hash(case_id=e.case_id, seq=e.seq, at=e.at, actor_id=e.actor_id, actor="mallory",
                            role=e.role, action=e.action, from_state=e.from_state, to_state=e.to_state,
                            data=e.data, prev_hash=e.prev_hash, key=key())
    execute(app, "UPDATE case_events SET actor = 'mallory', hash = :h WHERE case_id = :c AND seq = 2",
            h=forged, c=case["id"])
    broken = bx.get("/audit/verify", as_="supervisor").get_json()["first_broken"]
    assert (broken["seq"], broken["reason"]) == (3, "previous hash does not match")


def test_deleted_tail_event_is_caught(app, bx):
    case, _ = a_history(bx)
    drop_guard(app)
    execute(app, "DELETE FROM case_events WHERE case_id = :c AND seq = 3", c=case["id"])
    broken = bx.get("/audit/verify", as_="supervisor").get_json()["first_broken"]
    assert broken["case_id"] == case["id"] and "missing" in broken["reason"]


def test_deleted_middle_event_is_caught(app, bx):
    case, _ = a_history(bx)
    drop_guard(app)
    execute(app, "DELETE FROM case_events WHERE case_id = :c AND seq = 2", c=case["id"])
    broken = bx.get("/audit/verify", as_="supervisor").get_json()["first_broken"]
    assert (broken["seq"], broken["reason"]) == (3, "sequence gap")


def test_verify_is_for_auditors_not_teachers(bx):
    assert bx.get("/audit/verify", as_="teacher").status_code == 403
    ok = bx.get("/audit/verify", as_="supervisor").get_json()
    assert ok == {"ok": True, "events_checked": 0, "first_broken": None}


def test_reading_personal_data_is_logged(app, bx):
    case = bx.open()
    bx.case(case["id"], as_="teacher")
    masked = bx.case(case["id"], as_="supervisor")
    assert "guardians" not in masked["pupil"] and "*" in masked["pupil"]["name"]
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT u.username, a.via FROM access_log a JOIN users u "
                                          "ON u.id = a.user_id ORDER BY a.id")).all()
    assert [tuple(r) for r in rows] == [("teacher", "api:create_case"), ("teacher", "api:get_case")]
