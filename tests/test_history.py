"""Pupil history and the admin-event log: written with every change (API, pages, CLI, imports), shown
to those in scope (masked where their cards are masked), and append-only in the database."""
import io

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from app.extensions import db
from app.models import AdminEvent, ImportRun, OrgUnit, PupilEvent, RoleAssignment, User
from tests.web import Browser

NEW = {"student_no": "G522601201109010012", "name": "王小明", "gender": "M", "birth_date": "2011-09-01",
       "class_code": "SA-7-1", "guardian_name": "王建华", "guardian_phone": "13800001111", "address": "河口村3号"}
HEADER = "student_no,name,gender,birth_date,class_code,guardian_name,guardian_phone,address\n"
CHANGED = "G522601201109010012,王小明,男,2011-09-01,SA-7-2,王建华,13911112222,河口村3号\n"


def _pupil_with_history(bx) -> int:
    pid = bx.post("/students", NEW, as_="school_admin").get_json()["id"]
    r = bx.client.post("/api/v1/students/import", headers=bx.headers("school_admin"),
                       content_type="multipart/form-data",
                       data={"file": (io.BytesIO((HEADER + CHANGED).encode()), "term2.csv")})
    assert r.get_json()["updated"] == 1
    return pid


def test_history_through_the_api_full_masked_and_out_of_scope(app, bx):
    pid = _pupil_with_history(bx)
    events = bx.get(f"/students/{pid}/history", as_="school_admin").get_json()["events"]
    with app.app_context():
        from app.models import AccessLog
        assert db.session.scalar(select(AccessLog.via).where(AccessLog.pupil_id == pid)) == "api:student_history"
    assert [(e["action"], e["actor"]) for e in events] == [("created", "school_admin"), ("imported", "school_admin")]
    imported = events[1]
    assert imported["changes"] == {
        "class_code": ["SA-7-1", "SA-7-2"],
        "guardians": [[{"name": "王建华", "phone": "13800001111", "relation": ""}],
                      [{"name": "王建华", "phone": "13911112222", "relation": ""}]]}
    run = imported["import"]
    assert (run["filename"], run["actor"], run["via"], run["rows"], run["updated"]) == ("term2.csv", "school_admin",
                                                                                        "api", 1, 1)
    masked = bx.get(f"/students/{pid}/history", as_="supervisor").get_json()["events"]
    text = str(masked)
    assert "13911112222" not in text and "13800001111" not in text and "王建华" not in text and "河口村3号" not in text
    assert masked[1]["changes"]["guardians"][1][0]["phone"] == "139******22"
    assert masked[0]["changes"]["name"] == [None, "王**"]
    assert masked[1]["changes"]["class_code"] == ["SA-7-1", "SA-7-2"]  # not personal
    for who in ("other_admin", "other_teacher", "partner", "admin"):
        assert bx.get(f"/students/{pid}/history", as_=who).status_code == 404, who
    assert bx.get("/students/999999/history", as_="school_admin").status_code == 404


def test_pupil_page_card_cases_history_and_the_link_from_the_case_page(app, bx, district):
    case = bx.open()
    pid = case["pupil"]["id"]
    page = Browser(app, "school_admin").text(f"/cases/{case['id']}")
    assert f'href="/students/{pid}" id="pupil-link"' in page
    own = Browser(app, "school_admin").text(f"/students/{pid}")
    assert 'id="pupil"' in own and "13800000001" in own  # the card unmasked for the school
    assert f'/cases/{case["id"]}' in own.split('id="pupil-cases"')[1]
    assert 'id="pupil-history"' in own
    masked = Browser(app, "supervisor").text(f"/students/{pid}")
    assert "13800000001" not in masked and "个人信息已脱敏" in masked
    assert Browser(app, "other_admin").get(f"/students/{pid}").status_code == 404
    # a partner sees the case (when invited) but not the roster: no link, and the page is 404
    assert Browser(app, "partner").get(f"/students/{pid}").status_code == 404
    new = _pupil_with_history(bx)
    page = Browser(app, "school_admin").text(f"/students/{new}")
    history = page.split('id="pupil-history"')[1]
    assert "花名册导入" in history and "term2.csv" in history and "13800001111 → " in history.replace("\n", " ")


def _admin_log(app, **where) -> list[tuple]:
    with app.app_context():
        q = select(AdminEvent).order_by(AdminEvent.id)
        for k, v in where.items():
            q = q.where(getattr(AdminEvent, k) == v)
        return [(e.actor, e.action, e.target, e.before, e.after) for e in db.session.execute(q).scalars()]


def test_admin_events_from_the_cli(app, runner, district):
    for args in (["units", "add", "SC", "新学校", "--kind", "school", "--parent", "D", "--enrolment", "100"],
                 ["units", "enrolment", "SC", "120"],
                 ["users", "add", "li", "--role", "school_admin", "--unit", "SC", "--password", "a-long-password"],
                 ["users", "revoke", "li", "--role", "school_admin", "--unit", "SC"],
                 ["users", "deactivate", "li"], ["users", "activate", "li"],
                 ["calendar", "set", "2027-01-04", "holiday", "雪灾"], ["calendar", "set", "2027-01-04", "clear"]):
        out = runner.invoke(args=args)
        assert out.exit_code == 0, (args, out.output)
    log = _admin_log(app, actor="cli")
    assert [e[1] for e in log] == ["unit_added", "enrolment_changed", "user_added", "role_granted", "role_revoked",
                                   "user_deactivated", "user_reactivated", "calendar_set", "calendar_cleared"]
    assert log[1][2:] == ("unit SC", {"enrolment": 100}, {"enrolment": 120})
    assert log[4][3]["roles"] == ["school_admin@SC"] and log[4][4]["roles"] == []
    assert (log[5][3]["active"], log[5][4]["active"]) == (True, False)
    assert log[7][2:] == ("day 2027-01-04", None, {"kind": "holiday", "note": "雪灾"})
    assert log[8][3:] == ({"kind": "holiday", "note": "雪灾"}, None)
    assert "password" not in str(log) and "argon" not in str(log)


def test_admin_events_from_the_admin_pages(app, district):
    admin = Browser(app, "admin")
    with app.app_context():
        teacher = db.session.execute(select(User).where(User.username == "teacher2")).scalar_one()
        grant = db.session.execute(select(RoleAssignment).where(RoleAssignment.user_id == teacher.id)).scalar_one()
        sa_id = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "SA"))
        teacher_id, grant_id = teacher.id, grant.id
    assert admin.post(f"/admin/users/{teacher_id}/active", {"active": "0"}).status_code == 302
    assert admin.post(f"/admin/users/{teacher_id}/roles/{grant_id}/delete").status_code == 302
    assert admin.post(f"/admin/units/{sa_id}/enrolment", {"enrolment": "950"}).status_code == 302
    assert admin.post("/admin/users", {"username": "zhao", "role": "class_teacher", "unit": "SA-7-2"}).status_code == 302
    assert admin.post("/admin/units", {"code": "SA-9", "name": "九年级", "kind": "grade", "parent": "SA"}).status_code == 302
    assert admin.post("/admin/calendar", {"day": "2027-01-01", "kind": "holiday", "note": "元旦"}).status_code == 302
    assert admin.post("/admin/calendar", {"day": "2027-01-01", "kind": "clear"}).status_code == 302
    log = _admin_log(app, actor="admin")
    assert [e[1] for e in log] == ["user_deactivated", "role_revoked", "enrolment_changed", "user_added", "role_granted",
                                   "unit_added", "calendar_set", "calendar_cleared"]
    assert log[1][2] == "user teacher2" and log[1][3]["roles"] == ["class_teacher@SA-7-2"] and log[1][4]["roles"] == []
    assert log[2][3:] == ({"enrolment": 900}, {"enrolment": 950})
    with app.app_context():
        assert all(e.actor_id is not None for e in db.session.execute(
            select(AdminEvent).where(AdminEvent.actor == "admin")).scalars())
    # a refused change leaves no event
    assert admin.post(f"/admin/units/{sa_id}/enrolment", {"enrolment": "-3"}).status_code == 422
    assert len(_admin_log(app, actor="admin")) == len(log)


def test_admin_events_api_and_page_for_supervisors_and_admin_only(app, bx, district):
    Browser(app, "admin").post("/admin/calendar", {"day": "2027-01-01", "kind": "holiday", "note": "元旦"})
    for who in ("supervisor", "admin"):
        r = bx.get("/admin-events", as_=who)
        assert r.status_code == 200, who
    for who in ("teacher", "school_admin", "bureau", "head", "partner"):
        assert bx.get("/admin-events", as_=who).status_code == 403, who
    body = bx.get("/admin-events?action=calendar_set&actor=admin", as_="supervisor").get_json()
    assert body["total"] == 1 and set(body) >= {"items", "page", "per_page", "total", "pages"}
    item = body["items"][0]
    assert set(item) == {"id", "at", "actor", "actor_id", "action", "target", "before", "after"}
    assert (item["action"], item["target"], item["after"]) == ("calendar_set", "day 2027-01-01",
                                                               {"kind": "holiday", "note": "元旦"})
    assert bx.get("/admin-events?actor=nobody", as_="supervisor").get_json()["total"] == 0
    assert bx.get("/admin-events?page=2&per_page=1", as_="admin").get_json()["page"] == 2
    r = bx.get("/admin-events?action=drop_table", as_="supervisor")
    assert r.status_code == 400 and r.get_json()["field"] == "action"
    sup = Browser(app, "supervisor")
    page = sup.text("/audit/admin-events?action=calendar_set")
    assert 'id="nav-admin-events"' in page and 'data-action="calendar_set"' in page and "元旦" in page
    assert 'data-action="user_added"' not in page
    teacher = Browser(app, "teacher")
    assert teacher.get("/audit/admin-events").status_code == 403
    assert 'id="nav-admin-events"' not in teacher.text("/work")


def _refused(app, statement: str) -> None:
    with app.app_context(), pytest.raises(sa.exc.DatabaseError):
        with db.engine.begin() as conn:
            conn.execute(sa.text(statement))


def test_the_history_tables_are_append_only(app, bx, district):
    _pupil_with_history(bx)
    Browser(app, "admin").post("/admin/calendar", {"day": "2027-01-01", "kind": "holiday", "note": "元旦"})
    with app.app_context():
        pg = db.engine.dialect.name == "postgresql"
        assert db.session.query(PupilEvent).count() == 2 and db.session.query(ImportRun).count() == 1
    for table, column in (("pupil_events", "actor"), ("admin_events", "actor"), ("import_runs", "filename")):
        _refused(app, f"UPDATE {table} SET {column} = 'someone else'")
        _refused(app, f"DELETE FROM {table}")
        if pg:
            _refused(app, f"TRUNCATE {table} CASCADE")
    _refused(app, "UPDATE import_runs SET created = 0")  # a finished run is sealed
    with app.app_context():
        assert db.session.query(PupilEvent).count() == 2 and db.session.query(ImportRun).count() == 1
