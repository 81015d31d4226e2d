"""What a step saves on its hot path keeps every answer it gave: the machine's move tables say what
`transitions` says, the read's partner flag says whether live invitations exist, the write alone (no rows
of its own: one prepared call on PostgreSQL) still writes nothing when stale, and the app factory builds
the forms and compiled reads the first steps would otherwise build."""
from datetime import timedelta

from transitions import MachineError

from app import clock, create_app
from app.engine import machine, store, validation, warm
from app.extensions import db
from app.models import Case
from tests.conftest import IS_PG
from tests.test_partner_access import invited_case
from tests.test_store import _counts, _step_for, in_step


class _Stand:
    def __init__(self, state):
        self.state = state


def test_the_move_tables_agree_with_the_state_machine(app):
    for defn in machine.registered().values():
        for state in defn.states:
            assert machine.triggers_from(defn, state) == defn.machine.get_triggers(state), (defn.name, state)
            for trigger in defn.triggers:
                by_table, by_machine = _Stand(state), _Stand(state)
                try:
                    defn.machine.events[trigger].trigger(by_machine)
                except MachineError:
                    assert (state, trigger) not in defn.moves
                    continue
                machine.apply(defn, by_table, trigger)
                assert by_table.state == by_machine.state, (defn.name, state, trigger)


def test_a_move_the_graph_lacks_still_raises(app):
    defn = machine.get("dropout")
    try:
        machine.apply(defn, _Stand(defn.initial), "complete_follow_up")
    except MachineError:
        return
    raise AssertionError("a trigger from a state that does not offer it moved the case")


def test_the_read_says_whether_the_case_has_live_partners(app, bx):
    plain = bx.open()
    invited = invited_case(bx)
    with app.app_context():
        assert in_step(lambda tx: tx.load(plain["id"])).partnered is False
        assert in_step(lambda tx: tx.load(invited["id"])).partnered is True
    bx.step(invited["id"], "revoke_partner", "bureau", username="partner")
    with app.app_context():
        assert in_step(lambda tx: tx.load(invited["id"])).partnered is False


def test_a_stale_step_with_no_rows_of_its_own_writes_nothing(app, bx):
    case = bx.open()
    now = clock.now() + timedelta(seconds=1)
    with app.app_context():
        snap = in_step(lambda tx: tx.load(case["id"]))
        values, event, met, cancelled, opened = _step_for(snap, now)
        before = _counts(snap.id)
        assert in_step(lambda tx: tx.write_step(snap.id, snap.version + 5, values, event, met, cancelled, opened,
                                                now)) is False
        db.session.expire_all()
        assert _counts(snap.id) == before
        assert db.session.get(Case, snap.id).version == 1
        # and the same step with the version it read goes through, on the same (prepared) path
        assert in_step(lambda tx: tx.write_step(snap.id, snap.version, values, event, met, cancelled, opened,
                                                now)) is True
        db.session.expire_all()
        assert db.session.get(Case, snap.id).state == "reported"
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def test_the_app_factory_builds_what_the_first_steps_would(app, database_url, tmp_path):
    store.PgTx._sql.clear()
    validation.field_kinds.cache_clear()
    validation.date_fields.cache_clear()
    validation._bound.__dict__.pop("forms", None)
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    forms = {f for defn in machine.registered().values() for f in warm.forms_of(defn)}
    assert forms and validation.field_kinds.cache_info().currsize >= len(forms)
    assert forms <= set(validation._bound.forms)
    if IS_PG:
        assert set(store.PgTx._sql) == set(store.STATEMENTS)
    warm.connect(fresh)  # reaches the database and leaves no session behind
    with fresh.app_context():
        assert not db.session.registry.has() or not db.session.in_transaction()
        db.engine.dispose()


def test_a_served_process_freezes_its_start_up_for_the_garbage_collector(tmp_path):
    """A web or worker process (not a test's) ends create_app() with gc.freeze(): a full collection then
    walks what was made since, not the app's 200,000 start-up objects (130–180 ms a time, measured)."""
    import os
    import subprocess
    import sys
    probe = ("import gc, time; from app import create_app; create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://'%s});"
             "t = time.perf_counter(); gc.collect(); print(gc.get_freeze_count(), (time.perf_counter() - t) * 1000)")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["BAOXUE_INSTANCE"] = str(tmp_path)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    served, tested = (subprocess.run([sys.executable, "-c", probe % extra], env=env, cwd=root, capture_output=True,
                                     text=True, check=True).stdout.split() for extra in ("", ", 'TESTING': True"))
    assert int(served[0]) > 100_000 and int(tested[0]) == 0
    assert float(served[1]) < float(tested[1])  # the collection after start-up: only what came since
