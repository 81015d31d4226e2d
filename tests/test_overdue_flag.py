"""cases.overdue, the indexed flag the lists and the dashboard filter by: the due action sets it (its timer
at the due moment, or the sweep), the step that meets the last fallen-due deadline clears it — on
PostgreSQL inside the step function's own UPDATE, on SQLite in the same transaction — and `db upgrade`
(migration 0026) sets it on an existing database from the open deadlines."""
from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import clock
from app.extensions import db
from tests.test_web_notices import overdue_notices


def listed_overdue(bx, as_="bureau") -> set[int]:
    r = bx.get("/cases?overdue=true&per_page=100", as_=as_)
    assert r.status_code == 200, r.get_json()
    return {c["id"] for c in r.get_json()["items"]}


def flags(app) -> dict[int, bool]:
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT id, overdue FROM cases")).all()
        db.session.remove()
    return {i: bool(o) for i, o in rows}


def test_the_due_action_sets_the_flag_and_the_meeting_step_clears_it(app, bx):
    before = listed_overdue(bx)
    assert before == set()
    cases, _ = overdue_notices(app, bx)  # two cases past their report deadline; the sweep fired both
    ids = {c["id"] for c in cases}
    assert listed_overdue(bx) == ids and listed_overdue(bx, as_="school_admin") == ids
    assert {i for i, o in flags(app).items() if o} == ids
    first = min(ids)
    bx.step(first, "report", "school_admin")  # meets the report deadline: nothing of it is overdue any more
    assert listed_overdue(bx) == ids - {first}
    assert flags(app)[first] is False and flags(app)[max(ids)] is True


def test_db_upgrade_sets_the_flag_from_the_open_deadlines(app, bx):
    cases, _ = overdue_notices(app, bx)
    today = (clock.now() + timedelta(hours=8)).date().isoformat()  # Shanghai's date, as the form has it
    fresh = bx.open(detected_on=today)["id"]  # its report deadline is still ahead
    ids = {c["id"] for c in cases}
    with app.app_context():
        db.session.remove()
        try:
            downgrade(revision="0025")
            assert "overdue" not in {c["name"] for c in sa.inspect(db.engine).get_columns("cases")}
        finally:
            db.session.remove()
            upgrade()
    assert {i for i, o in flags(app).items() if o} == ids and flags(app)[fresh] is False
    assert listed_overdue(bx) == ids
    after = bx.step(min(ids), "report", "school_admin")  # the re-created step function still clears it
    assert after["state"] == "reported" and listed_overdue(bx) == ids - {min(ids)}
