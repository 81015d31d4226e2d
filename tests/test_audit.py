"""The audit trail: append-only in the database, hash-chained, and verify() names the first broken event."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from tests.conftest import IS_PG
from tests.tamper import tamper


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


def test_tampered_content_is_caught_and_named(app, bx, runner):
    case, other = a_history(bx)
    target = bx.events(case["id"])[1]
    tamper(app, "UPDATE case_events SET actor = 'mallory' WHERE case_id = :c AND seq = 2", c=case["id"])
    result = bx.get("/audit/verify", as_="supervisor").get_json()
    assert result["ok"] is False
    assert result["first_broken"]["case_id"] == case["id"] and result["first_broken"]["seq"] == 2
    assert result["first_broken"]["reason"] == "content does not match its hash"
    # the stored hash is untouched (the chain's next link still points at it) yet no longer covers the
    # content: recomputed over the stored row it differs, over the row as written it is the stored one
    after = bx.events(case["id"])
    assert (after[1]["actor"], after[1]["hash"], after[2]["prev_hash"]) == ("mallory", target["hash"], target["hash"])
    from app.audit.chain import event_hash, key
    with app.app_context():
        from app.models import CaseEvent
        e = db.session.execute(sa.select(CaseEvent).where(CaseEvent.case_id == case["id"], CaseEvent.seq == 2)
                               ).scalar_one()
        fields = dict(case_id=e.case_id, seq=e.seq, at=e.at, actor_id=e.actor_id, role=e.role, action=e.action,
                      from_state=e.from_state, to_state=e.to_state, data=e.data, prev_hash=e.prev_hash, key=key())
        assert event_hash(actor="mallory", **fields) != target["hash"]
        assert event_hash(actor=target["actor"], **fields) == target["hash"]
    out = runner.invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and f"case {case['id']} event seq 2" in out.output
    # the other case's chain still holds on its own
    assert bx.get(f"/audit/verify?case={other['id']}", as_="supervisor").get_json()["ok"] is True


def test_rehashed_forgery_is_caught_at_the_next_link(app, bx):
    case, _ = a_history(bx)
    # A forger who recomputes the tampered event's own hash still breaks the link to the next one.
    from app.audit.chain import event_hash, key
    with app.app_context():
        from app.models import CaseEvent
        e = db.session.execute(sa.select(CaseEvent).where(CaseEvent.case_id == case["id"], CaseEvent.seq == 2)
                               ).scalar_one()
        forged = event_hash(case_id=e.case_id, seq=e.seq, at=e.at, actor_id=e.actor_id, actor="mallory",
                            role=e.role, action=e.action, from_state=e.from_state, to_state=e.to_state,
                            data=e.data, prev_hash=e.prev_hash, key=key())
        assert forged != e.hash  # the forgery really changes the stored hash
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
    tamper(app, "UPDATE case_events SET actor = 'mallory', hash = :h WHERE case_id = :c AND seq = 2",
            h=forged, c=case["id"])
    broken = bx.get("/audit/verify", as_="supervisor").get_json()["first_broken"]
    assert (broken["seq"], broken["reason"]) == (3, "previous hash does not match")


def test_deleted_tail_event_is_caught(app, bx):
    case, _ = a_history(bx)
    tamper(app, "DELETE FROM case_events WHERE case_id = :c AND seq = 3", c=case["id"])
    broken = bx.get("/audit/verify", as_="supervisor").get_json()["first_broken"]
    assert broken["case_id"] == case["id"] and "missing" in broken["reason"]


def test_deleted_middle_event_is_caught(app, bx):
    case, _ = a_history(bx)
    tamper(app, "DELETE FROM case_events WHERE case_id = :c AND seq = 2", c=case["id"])
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


def _pg_only():
    return pytest.mark.skipif(not IS_PG, reason="TRUNCATE and replica mode are PostgreSQL's")


@pytest.mark.parametrize("sql", ["UPDATE access_log SET via = 'nothing'", "DELETE FROM access_log"])
def test_access_log_is_append_only_too(app, bx, sql):
    bx.case(bx.open()["id"], as_="teacher")
    with pytest.raises(DatabaseError, match="access_log is append-only"):
        execute(app, sql)


@_pg_only()
@pytest.mark.parametrize("table", ["case_events", "access_log"])
def test_truncate_is_refused_on_event_tables(app, bx, table):
    bx.case(bx.open()["id"], as_="teacher")
    with pytest.raises(DatabaseError, match=f"{table} is append-only: TRUNCATE refused"):
        execute(app, f"TRUNCATE {table} CASCADE")
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"):
        execute(app, "TRUNCATE cases CASCADE")  # a cascade reaching an event table is refused as well


@_pg_only()
def test_the_fixtures_clean_up_in_replica_mode_and_leave_the_guards_in_force(app, bx):
    from tests.conftest import _truncate
    bx.case_in("reported")
    _truncate(app)
    assert execute(app, "SELECT count(*) FROM case_events").scalar_one() == 0
    assert execute(app, "SHOW session_replication_role").scalar_one() == "origin"  # SET LOCAL ended with it
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"):
        execute(app, "TRUNCATE case_events")


def test_the_chain_is_an_hmac_with_the_configured_key(app, bx):
    import hashlib
    import hmac

    from app.audit import chain as audit
    app.config["AUDIT_KEY"] = b"k" * 32
    case = bx.open()
    [event] = bx.events(case["id"])
    with app.app_context():
        e = audit.events(case["id"])[0]
        body = audit.canonical({"case": e.case_id, "seq": 1, "at": e.at.isoformat(timespec="microseconds"),
                                "actor_id": e.actor_id, "actor": e.actor, "role": e.role, "action": e.action,
                                "from": e.from_state, "to": e.to_state, "data": e.data, "prev": audit.GENESIS})
    assert event["hash"] == hmac.digest(b"k" * 32, body.encode(), "sha256").hex()
    assert event["hash"] != hashlib.sha256(body.encode()).hexdigest()
    app.config["AUDIT_KEY"] = b"j" * 32  # the same rows under another key do not verify
    broken = bx.get("/audit/verify", as_="supervisor").get_json()["first_broken"]
    assert broken["reason"] == "content does not match its hash"


def test_without_the_environment_key_one_is_kept_in_the_instance_folder(app, bx, tmp_path, caplog):
    import stat

    from app import create_app
    assert app.config["AUDIT_KEY"] is None  # BAOXUE_AUDIT_KEY unset
    with caplog.at_level("WARNING", logger="app.audit.chain"):
        bx.open()
    key_file = tmp_path / "audit_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "Production must set BAOXUE_AUDIT_KEY" in caplog.text
    first = key_file.read_text()
    again = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    again.instance_path = str(tmp_path)  # a restart: the same key, created once
    with again.app_context():
        from app.audit import chain as audit
        assert audit.key() == first.encode() and audit.verify()["ok"] is True
    assert key_file.read_text() == first


def test_the_environment_key_is_used_and_a_short_one_refused(monkeypatch, tmp_path):
    from app import config
    monkeypatch.setenv("BAOXUE_AUDIT_KEY", "x" * 40)
    assert config.from_env(str(tmp_path))["AUDIT_KEY"] == b"x" * 40
    monkeypatch.setenv("BAOXUE_AUDIT_KEY", "short")
    with pytest.raises(ValueError, match="at least 32 characters"):
        config.from_env(str(tmp_path))
    assert not (tmp_path / "audit_key").exists()
