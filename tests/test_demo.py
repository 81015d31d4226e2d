"""`baoxue demo`: a district with every role, ~200 pupils, ~40 cases over every state, some overdue."""
from sqlalchemy import func, select

from app.audit import chain as audit
from app.engine import machine
from app.extensions import db
from app.models import AbsenceStreak, Case, CaseEvent, Mismatch, Pupil, RiskEntry, User


def test_demo_loads_a_plausible_district(app, runner):
    out = runner.invoke(args=["demo"])
    assert out.exit_code == 0, out.output
    assert "password for all: baoxue-demo" in out.output and "s01_admin" in out.output
    with app.app_context():
        states = dict(db.session.execute(select(Case.state, func.count()).where(Case.workflow == "dropout")
                                         .group_by(Case.state)).all())
        assert set(states) == set(machine.get("dropout").states)  # every state, off-ramps included
        assert sum(states.values()) == 41   # 40 walked, 1 opened by early warning (demo/attendance.py)
        assert db.session.scalar(select(func.count(AbsenceStreak.id)).where(AbsenceStreak.opened_case)) == 1
        assert db.session.scalar(select(func.count(RiskEntry.id))) >= 5
        assert db.session.scalar(select(func.count(Pupil.id))) == 201  # one enrolled twice (四查三比对)
        kinds = {k for (k,) in db.session.execute(select(Mismatch.kind).distinct())}
        assert kinds == {"not_enrolled", "not_in_school", "poverty_dropout", "duplicate"}
        roles = {a.role for u in db.session.execute(select(User)).scalars() for a in u.assignments}
        assert roles == {"class_teacher", "grade_leader", "school_admin", "bureau_officer", "bureau_head",
                         "partner", "supervisor", "admin"}
        assert db.session.scalar(select(func.count(CaseEvent.id))) > 200
        assert audit.verify()["ok"] is True
    client = app.test_client()
    for who in ("s01_g7c1_teacher", "s01_g7_leader", "s02_admin", "supervisor", "partner_town", "admin"):
        r = client.post("/api/v1/auth/token", json={"username": who, "password": "baoxue-demo"})
        assert r.status_code == 201, who  # every printed login works
    token = client.post("/api/v1/auth/token", json={"username": "bureau", "password": "baoxue-demo"}).get_json()["token"]
    overdue = client.get("/api/v1/cases?overdue=true&open=true",
                         headers={"Authorization": f"Bearer {token}"}).get_json()
    assert overdue["total"] >= 5
    # the dashboard compares early warning with cases opened by hand after absences the teacher marked
    ew = client.get("/api/v1/dashboard", headers={"Authorization": f"Bearer {token}"}).get_json()["early_warning"]
    assert ew["opened_by_warning"] == 1 and ew["hand_after_absences"] >= 2, ew
    assert ew["median_days_earlier"] is not None and ew["median_days_earlier"] > 0, ew
    again = runner.invoke(args=["demo"])
    assert "already present" in again.output
