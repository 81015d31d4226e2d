"""Auth, the workflow document, the OpenAPI spec, case lists and the timeline CSV."""
from app.deadlines import actions
from app.auth.passwords import hash_password
from app.extensions import db
from app.models import User
from tests.payloads import VALID


def test_token_by_password(app, bx):
    with app.app_context():
        u = db.session.execute(db.select(User).where(User.username == "teacher")).scalar_one()
        u.password_hash = hash_password("正确的密码")
        db.session.commit()
    r = bx.client.post("/api/v1/auth/token", json={"username": "teacher", "password": "正确的密码"})
    assert r.status_code == 201
    token = r.get_json()["token"]
    assert bx.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    for body in ({"username": "teacher", "password": "wrong"}, {"username": "nobody", "password": "x"}):
        assert bx.client.post("/api/v1/auth/token", json=body).status_code == 401
    r = bx.client.post("/api/v1/auth/token", json={"username": 5})
    assert r.status_code == 422 and set(r.get_json()["fields"]) == {"username", "password"}


def test_cli_users_and_units(runner, app):
    assert runner.invoke(args=["units", "add", "X", "某区教育局", "--kind", "district"]).exit_code == 0
    assert runner.invoke(args=["units", "add", "XS", "某中学", "--kind", "school", "--parent", "X",
                               "--enrolment", "800"]).exit_code == 0
    bad = runner.invoke(args=["units", "add", "XC", "班", "--kind", "class", "--parent", "X"])
    assert bad.exit_code == 1 and "needs a grade parent" in bad.output
    out = runner.invoke(args=["users", "add", "zhang", "--role", "school_admin", "--unit", "XS", "--password", "zhang-secret-26"])
    assert out.exit_code == 0 and "school_admin@XS" in out.output
    out = runner.invoke(args=["users", "add", "zhang", "--role", "grade_leader", "--unit", "XS"])
    assert "grade_leader@XS" in out.output and "school_admin@XS" in out.output
    assert runner.invoke(args=["users", "add", "li", "--role", "king", "--unit", "XS"]).exit_code == 1
    token = runner.invoke(args=["users", "token", "zhang"]).output.strip()
    r = app.test_client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.get_json()["total"] == 0


def test_workflow_document_lists_roles_fields_and_deadlines(bx):
    doc = bx.get("/workflows/dropout").get_json()
    assert [s["name"] for s in doc["states"] if s["main"]] == [
        "detected", "reported", "visiting", "joint_return", "re_enrolled", "followed_up"]
    report = next(t for t in doc["transitions"] if t["trigger"] == "report")
    assert report["roles"] == ["school_admin"] and "reasons" in report["form"]["required"]
    esc = next(t for t in doc["transitions"] if t["trigger"] == "escalate_joint")
    assert esc["guards"][0]["name"] == "two_failed_visits"
    clocks = {c["clock"]: c for c in doc["deadlines"]}
    assert clocks["report"]["due"] == [{"working_days": 3}]
    assert [{k: p[k] for k in p if k in ("working_days", "months")} for p in clocks["follow_up"]["due"]] == [
        {"working_days": 10}, {"months": 1}, {"months": 3}]
    assert [p["name"] for p in clocks["follow_up"]["due"]] == ["two_weeks", "one_month", "three_months"]
    assert bx.get("/workflows/nope").status_code == 404


def test_openapi_describes_every_endpoint_and_trigger(bx):
    spec = bx.client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/auth/token", "/workflows/{name}", "/students", "/students/import", "/cases", "/cases/{case_id}",
                 "/cases/{case_id}/timeline", "/cases/{case_id}/timeline.csv", "/audit/verify"):
        assert path in spec["paths"], path
    for trigger in VALID:
        op = spec["paths"][f"/cases/{{case_id}}/transitions/{trigger}"]["post"]
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        assert "version" in schema["required"]
        assert set(VALID[trigger]) <= set(schema["properties"]), trigger
        assert {"403", "404", "409", "422"} <= set(op["responses"])


def test_case_list_filters_and_pagination(bx):
    a = bx.case_in("reported")
    b = bx.case_in("detected")
    c = bx.case_in("detected")
    bx.step(c["id"], "assign", "school_admin")
    page = bx.get("/cases?per_page=2&page=1").get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 2)
    assert [x["id"] for x in page["items"]] == [c["id"], b["id"]]
    assert [x["id"] for x in bx.get("/cases?state=reported").get_json()["items"]] == [a["id"]]
    assert [x["id"] for x in bx.get("/cases?assignee=leader").get_json()["items"]] == [c["id"]]
    assert bx.get("/cases?school=SB").get_json()["total"] == 0
    assert bx.get("/cases?school=SA").get_json()["total"] == 3
    assert bx.get("/cases?overdue=true").get_json()["total"] == 0
    assert bx.get("/cases?overdue=false").get_json()["total"] == 3
    assert "guardians" not in page["items"][0]["pupil"]


def test_overdue_filter_follows_the_due_actions(app, bx):
    from datetime import timedelta

    from app import clock
    old = bx.open()
    clock.shift(timedelta(days=30))
    # the list filters by the flag the due action sets (its timer, or the sweep within a minute)
    assert bx.get("/cases?overdue=true").get_json()["items"] == []
    with app.app_context():
        actions.sweep()
    assert [x["id"] for x in bx.get("/cases?overdue=true").get_json()["items"]] == [old["id"]]
    detail = bx.case(old["id"])
    assert detail["overdue"] is True and detail["open_deadlines"][0]["overdue"] is True


def test_timeline_json_and_csv(bx):
    case = bx.case_in("visiting")
    tl = bx.get(f"/cases/{case['id']}/timeline", as_="supervisor").get_json()
    assert [e["action"] for e in tl["events"]] == ["open", "report", "start_visits"]
    r = bx.get(f"/cases/{case['id']}/timeline.csv", as_="supervisor")
    text = r.data.decode("utf-8-sig")
    assert r.mimetype == "text/csv" and text.splitlines()[0].startswith("seq,at,actor,role,action")
    assert len(text.strip().splitlines()) == 4 and "start_visits" in text
    assert bx.get(f"/cases/{case['id']}/timeline.csv", as_="other_admin").status_code == 404


def test_root_page_leads_to_login_and_health_answers(client):
    assert client.get("/healthz").get_json() == {"ok": True, "database": "ok", "redis": "ok"}
    r = client.get("/", follow_redirects=True)
    assert r.request.path == "/login" and "保学" in r.data.decode()
