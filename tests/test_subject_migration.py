"""Migration 0014 (any subject): `db upgrade` on a database of the previous release (0013) keeps every
case, its event chain and its deadlines; reasons and confirmed move into cases.fields, detected_on
becomes opened_on, and the API shows the cases exactly as before."""
import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import clock
from app.audit import chain as audit
from app.extensions import db

NOV_20 = datetime(2026, 11, 20, 2, 0)  # 10:00 on 20 November in Shanghai
SHOWN = ("state", "version", "reasons", "confirmed", "detected_on", "escalation_level", "closed_at", "pupil",
         "open_deadlines", "available_transitions")


def _snapshot(bx, ids) -> dict:
    return {i: {k: bx.case(i)[k] for k in SHOWN} for i in ids}


def _table(sql: str) -> list:
    return [tuple(r) for r in db.session.execute(sa.text(sql)).all()]


def _deadlines() -> list:
    return _table("SELECT id, case_id, clock, point, status, due_at, remind_at, level, next_action, next_action_at "
                  "FROM deadlines ORDER BY id")


def _events() -> list:
    return _table("SELECT id, case_id, seq, hash FROM case_events ORDER BY id")


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _old_release_case(pupil_id: int, at: datetime) -> int:
    """A case as the previous release stored it (0013's columns), opened with its first event and its
    report deadline, written the way that release's engine wrote them."""
    unit_path, school_id = db.session.execute(sa.text(
        "SELECT o.path, s.id FROM pupils p JOIN org_units o ON o.id = p.class_id "
        "JOIN org_units g ON g.id = o.parent_id JOIN org_units s ON s.id = g.parent_id WHERE p.id = :p"),
        {"p": pupil_id}).one()
    case_id = db.session.execute(sa.text(
        "INSERT INTO cases (workflow, pupil_id, state, version, unit_path, school_id, confirmed, reasons, vars, "
        "escalation_level, detected_on, source, opened_at, updated_at, last_seq, last_hash) VALUES "
        "('dropout', :p, 'reported', 2, :path, :school, true, :reasons, '{}', 0, '2026-11-16', 'attendance', "
        ":at, :at, 0, '') RETURNING id"),
        {"p": pupil_id, "path": unit_path, "school": school_id, "reasons": '["economic", "family"]', "at": at}
    ).scalar_one()
    head = (0, "")
    for action, frm, to, form in (("open", None, "detected", {"detected_on": "2026-11-16"}),
                                  ("report", "detected", "reported", {"dropout_date": "2026-11-13"})):
        event = audit.prepare(case_id, head, actor_id=None, actor="teacher", role="class_teacher", action=action,
                              from_state=frm, to_state=to, data={"form": form}, at=at)
        audit.append(event)
        head = (event["seq"], event["hash"])
    db.session.execute(sa.text("UPDATE cases SET last_seq = :s, last_hash = :h WHERE id = :c"),
                       {"s": head[0], "h": head[1], "c": case_id})
    db.session.execute(sa.text(
        "INSERT INTO deadlines (case_id, clock, point, status, opened_at, due_at, level, next_action, "
        "next_action_at) VALUES (:c, 'verification', 0, 'open', :at, :due, 0, 'due', :due)"),
        {"c": case_id, "at": at, "due": datetime(2026, 11, 27, 15, 59, 59)})
    db.session.commit()
    return case_id


def test_upgrade_from_the_previous_release_keeps_cases_chains_and_deadlines(bx):
    clock.freeze(NOV_20)
    # cases of every kind the engine makes: open with reasons and a confirmation, open and fresh, closed
    confirmed = bx.open(detected_on="2026-11-16")["id"]
    bx.step(confirmed, "report", "school_admin", reasons=["economic", "learning"])
    bx.step(confirmed, "verify", "bureau")
    fresh = bx.open(detected_on="2026-11-18")["id"]
    closed = bx.open(detected_on="2026-11-17")["id"]
    bx.step(closed, "close_false_alarm", "bureau")
    ids = [confirmed, fresh, closed]
    before = _snapshot(bx, ids)
    assert before[confirmed]["reasons"] == ["economic", "learning"] and before[confirmed]["confirmed"] is True
    pupil = bx.pupil()
    with bx.app.app_context():
        deadlines, events = _deadlines(), _events()
        db.session.remove()
        try:
            downgrade(revision="0013")
            # the previous release's columns hold what the fields held
            old = dict((r[0], r[1:]) for r in _table("SELECT id, reasons, confirmed, detected_on FROM cases"))
            assert {i: (sorted(_json(r)), bool(c), str(d)) for i, (r, c, d) in old.items()} == {
                confirmed: (["economic", "learning"], True, "2026-11-16"), fresh: ([], False, "2026-11-18"),
                closed: ([], False, "2026-11-17")}
            legacy = _old_release_case(pupil, NOV_20)
            deadlines, events = _deadlines(), _events()
        finally:
            db.session.remove()
            upgrade()
        # nothing lost, no event rewritten, no deadline moved
        assert _deadlines() == deadlines and _events() == events
        assert audit.verify()["ok"]
        rows = _table("SELECT id, subject_key, pupil_id, opened_on FROM cases ORDER BY id")
        assert [(r[0], r[1], str(r[3])) for r in rows] == [
            (confirmed, f"pupil:{rows[0][2]}", "2026-11-16"), (fresh, f"pupil:{rows[1][2]}", "2026-11-18"),
            (closed, f"pupil:{rows[2][2]}", "2026-11-17"), (legacy, f"pupil:{pupil}", "2026-11-16")]
    assert _snapshot(bx, ids) == before
    shown = bx.case(legacy)
    assert (shown["reasons"], shown["confirmed"], shown["detected_on"], shown["source"]) == (
        ["economic", "family"], True, "2026-11-16", "attendance")
    # the migrated case goes on: a step on it (the new step function on PostgreSQL), still one open case
    # per pupil, and the chain still verifies
    after = bx.step(legacy, "start_visits", "school_admin")
    assert (after["state"], after["version"], after["reasons"]) == ("visiting", 3, ["economic", "family"])
    r = bx.post("/cases", {"student_id": pupil, "detected_on": "2026-11-19", "note": "又一次"}, as_="teacher")
    assert r.status_code == 409 and r.get_json()["open_case_id"] == legacy
    with bx.app.app_context():
        assert audit.verify()["ok"]


def test_a_case_about_no_pupil_blocks_the_downgrade(bx, app):
    case = bx.open()
    with app.app_context():
        db.session.execute(sa.text("UPDATE cases SET pupil_id = NULL, subject_key = 'unit:1' WHERE id = :c"),
                           {"c": case["id"]})
        db.session.commit()
        head = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        db.session.remove()
        with pytest.raises(SystemExit):  # flask-migrate logs the migration's error and exits
            downgrade(revision="0013")
        db.session.remove()
        # 0014 is not undone; the later revisions' downgrades ran before it, and stay undone where each
        # revision commits on its own (SQLite), or roll back with it (PostgreSQL: one transaction)
        assert db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() in {"0014", head}
        assert _table("SELECT id, subject_key FROM cases") == [(case["id"], "unit:1")]
