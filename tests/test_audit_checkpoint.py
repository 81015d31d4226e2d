"""Checkpoints and the seven ways someone with database access (but not the audit key) rewrites history:
each is caught by `baoxue audit verify`, or by `verify --against` a checkpoint taken before it."""
import hashlib
import hmac
import json

import pytest
import sqlalchemy as sa

from app.audit import chain as audit
from app.extensions import db
from tests.conftest import IS_PG
from tests.tamper import tamper


def rows(app, sql, **params):
    with app.app_context():
        return db.session.execute(sa.text(sql), params).all()


def delete_case_statements(app):
    """Every row that names the case, then the case itself (children first)."""
    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables) if "case_id" in t.c]
    return [f"DELETE FROM {t} WHERE case_id = :c" for t in tables] + ["DELETE FROM cases WHERE id = :c"]


def rehash_chain(app, case_id, digest):
    """Rewrite seq 2's actor and recompute the whole chain with `digest(body) -> hex`: what someone with
    database access but without the key can do; the case's head is set to match."""
    with app.app_context():
        events = audit.events(case_id)
        prev, updates = audit.GENESIS, []
        for e in events:
            actor = "mallory" if e.seq == 2 else e.actor
            body = audit.canonical({"case": e.case_id, "seq": e.seq, "at": e.at.isoformat(timespec="microseconds"),
                                    "actor_id": e.actor_id, "actor": actor, "role": e.role, "action": e.action,
                                    "from": e.from_state, "to": e.to_state, "data": e.data, "prev": prev})
            h = digest(body.encode())
            updates.append({"id": e.id, "actor": actor, "prev": prev, "hash": h})
            prev = h
    for u in updates:
        tamper(app, "UPDATE case_events SET actor = :actor, prev_hash = :prev, hash = :hash WHERE id = :id", **u)
    tamper(app, "UPDATE cases SET last_hash = :h WHERE id = :c", h=prev, c=case_id)


@pytest.fixture
def history(bx):
    first = bx.case_in("visiting")    # 3 events
    second = bx.case_in("reported")   # 2 events
    return first["id"], second["id"]


@pytest.fixture
def checkpoint(runner, history, tmp_path):
    path = tmp_path / "cp.json"
    out = runner.invoke(args=["audit", "checkpoint", "--out", str(path)])
    assert out.exit_code == 0, out.output
    return path


def verify(runner, path=None):
    out = runner.invoke(args=["audit", "verify"] + (["--against", str(path)] if path else []))
    return out.exit_code, out.output


def test_checkpoint_records_every_chain_head_with_counts_and_its_own_hmac(app, bx, runner, history, checkpoint):
    first, second = history
    body = json.loads(checkpoint.read_text())
    with app.app_context():
        heads = {cid: (seq, h) for cid, seq, h in rows(app, "SELECT id, last_seq, last_hash FROM cases")}
    assert [(c["case"], c["seq"], c["hash"], c["events"]) for c in body["cases"]] == [
        (first, 3, heads[first][1], 3), (second, 2, heads[second][1], 2)]
    assert (body["cases_total"], body["events_total"]) == (2, 5)
    assert body["taken_at"].endswith("Z") and len(body["hmac"]) == 64
    bx.step(second, "start_visits", "school_admin")  # still valid after more steps: chains only grow
    code, output = verify(runner, checkpoint)
    assert code == 0 and "holds the checkpoint" in output and "2 cases, 5 events" in output


def test_a_checkpoint_is_never_overwritten_and_gets_a_dated_default_name(runner, history, checkpoint, tmp_path,
                                                                         monkeypatch):
    before = checkpoint.read_text()
    out = runner.invoke(args=["audit", "checkpoint", "--out", str(checkpoint)])
    assert out.exit_code == 1 and "never overwritten" in out.output
    assert checkpoint.read_text() == before
    monkeypatch.chdir(tmp_path)
    out = runner.invoke(args=["audit", "checkpoint"])
    assert out.exit_code == 0, out.output
    [made] = tmp_path.glob("audit-checkpoint-*.json")
    assert len(made.stem) == len("audit-checkpoint-20261201T214000")


def test_a_checkpoint_can_be_printed_and_verified_from_the_printout(app, runner, history, tmp_path):
    out = runner.invoke(args=["audit", "checkpoint", "--out", "-"])
    assert out.exit_code == 0, out.output
    text = out.output[out.output.index("{"):]  # after the progress bar's line
    assert json.loads(text)["events_total"] == 5
    (tmp_path / "typed-back.json").write_text(text)
    code, output = verify(runner, tmp_path / "typed-back.json")
    assert code == 0 and "holds the checkpoint" in output


def test_an_edited_checkpoint_or_one_signed_with_another_key_is_refused(app, runner, history, checkpoint):
    body = json.loads(checkpoint.read_text())
    body["cases"] = body["cases"][:1]  # someone drops a case from the checkpoint to hide its deletion
    checkpoint.write_text(json.dumps(body))
    code, output = verify(runner, checkpoint)
    assert code == 1 and "checkpoint's own HMAC does not match" in output
    app.config["AUDIT_KEY"] = b"another-key-another-key-another-key"
    code, output = verify(runner, checkpoint)
    assert code == 1 and "signed with another audit key" in output


def test_no_checkpoint_of_a_broken_chain(app, runner, history, tmp_path):
    first, _ = history
    tamper(app, "UPDATE case_events SET actor = 'mallory' WHERE case_id = :c AND seq = 2", c=first)
    out = runner.invoke(args=["audit", "checkpoint", "--out", str(tmp_path / "cp.json")])
    assert out.exit_code == 1 and "content does not match its hash" in out.output
    assert not (tmp_path / "cp.json").exists()


# --- the seven tamper kinds -------------------------------------------------------------------------------

def test_changed_field(app, runner, history, checkpoint):
    first, _ = history
    tamper(app, "UPDATE case_events SET actor = 'mallory' WHERE case_id = :c AND seq = 2", c=first)
    for path in (None, checkpoint):
        code, output = verify(runner, path)
        assert code == 1 and f"case {first} event seq 2" in output and "content does not match its hash" in output


def test_deleted_event(app, runner, history, checkpoint):
    first, _ = history
    tamper(app, "DELETE FROM case_events WHERE case_id = :c AND seq = 2", c=first)
    for path in (None, checkpoint):
        code, output = verify(runner, path)
        assert code == 1 and f"case {first} event seq 3" in output and "sequence gap" in output


def test_deleted_tail_with_the_head_rolled_back(app, runner, history, checkpoint):
    first, _ = history
    [(seq2_hash,)] = rows(app, "SELECT hash FROM case_events WHERE case_id = :c AND seq = 2", c=first)
    tamper(app, "DELETE FROM case_events WHERE case_id = :c AND seq = 3",
           "UPDATE cases SET last_seq = 2, last_hash = :h WHERE id = :c", c=first, h=seq2_hash)
    assert verify(runner)[0] == 0  # what is left still chains: only the checkpoint knows better
    code, output = verify(runner, checkpoint)
    assert code == 1 and f"case {first} event seq 3" in output
    assert "event 3 deleted since the checkpoint (the chain ends at seq 2, the checkpoint recorded seq 3)" in output


def test_reordered_events(app, runner, history, checkpoint):
    first, _ = history
    tamper(app, "UPDATE case_events SET seq = 0 WHERE case_id = :c AND seq = 2",
           "UPDATE case_events SET seq = 2 WHERE case_id = :c AND seq = 3",
           "UPDATE case_events SET seq = 3 WHERE case_id = :c AND seq = 0", c=first)
    for path in (None, checkpoint):
        code, output = verify(runner, path)
        assert code == 1 and f"case {first} event seq 2" in output and "previous hash does not match" in output


@pytest.mark.parametrize("digest", [lambda body: hashlib.sha256(body).hexdigest(),
                                    lambda body: hmac.digest(b"a-guessed-key", body, "sha256").hex()],
                         ids=["plain-sha256", "wrong-key"])
def test_rehashed_rewrite_without_the_key(app, runner, history, checkpoint, digest):
    first, _ = history
    rehash_chain(app, first, digest)
    for path in (None, checkpoint):
        code, output = verify(runner, path)
        assert code == 1 and f"case {first} event seq 1" in output and "content does not match its hash" in output


def test_rewrite_with_the_key_is_caught_by_the_checkpoint(app, runner, history, checkpoint):
    first, _ = history
    with app.app_context():
        k = audit.key()
    rehash_chain(app, first, lambda body: hmac.digest(k, body, "sha256").hex())
    assert verify(runner)[0] == 0  # an insider holding the key recomputed a valid chain
    code, output = verify(runner, checkpoint)
    # the checkpoint holds the head; a rewrite anywhere before it changes the head's hash
    assert code == 1 and f"case {first} event seq 3" in output and "differs from the checkpoint" in output


def test_deleted_case(app, runner, history, checkpoint):
    first, second = history
    tamper(app, *delete_case_statements(app), c=first)
    assert rows(app, "SELECT count(*) FROM cases") == [(1,)]
    assert verify(runner)[0] == 0
    code, output = verify(runner, checkpoint)
    assert code == 1 and f"case {first} event seq 1" in output
    assert "case gone since the checkpoint (the checkpoint recorded 3 events, the database has none)" in output


def test_truncated_table(app, runner, history, checkpoint):
    first, _ = history
    if IS_PG:
        tamper(app, "TRUNCATE case_events, cases CASCADE")
    else:  # SQLite has no TRUNCATE: an unqualified DELETE is its equivalent
        tamper(app, *[s.replace(" WHERE case_id = :c", "").replace(" WHERE id = :c", "")
                      for s in delete_case_statements(app)])
    assert rows(app, "SELECT count(*) FROM case_events") == [(0,)]
    code, output = verify(runner)
    assert code == 0 and "ok: 0 events" in output
    code, output = verify(runner, checkpoint)
    assert code == 1 and f"case {first} event seq 1" in output and "case gone since the checkpoint" in output


def test_truncated_events_alone_are_caught_by_the_case_heads(app, runner, history):
    first, _ = history
    tamper(app, "TRUNCATE case_events" if IS_PG else "DELETE FROM case_events")
    code, output = verify(runner)
    assert code == 1 and f"case {first}" in output and "all events of the case are missing" in output
