"""The OpenAPI document against the API's real answers: a case walked from detection to its close,
the lists, the timeline, the reports and an error body of each status validate against the schemas
the document gives for that operation and status (jsonschema), and every route is described."""
import io
import re

import pytest
from jsonschema import Draft7Validator

from app.auth.scope import unit_by_code

from tests.payloads import VALID


def _jsonschema(node):
    """OpenAPI 3.0's `nullable` as plain JSON Schema."""
    if isinstance(node, list):
        return [_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _jsonschema(v) for k, v in node.items() if k not in ("nullable", "example", "links")}
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


class Document:
    def __init__(self, client):
        self.spec = client.get("/api/v1/openapi.json").get_json()
        self.components = _jsonschema(self.spec["components"])
        self.seen = set()

    def operation(self, method: str, template: str) -> dict:
        return self.spec["paths"][template][method.lower()]

    def check(self, r, method: str, template: str):
        """Assert the response's status is documented for the operation and its body validates."""
        responses = self.operation(method, template)["responses"]
        assert str(r.status_code) in responses, (method, template, r.status_code, r.get_data(as_text=True)[:300])
        content = responses[str(r.status_code)]["content"]
        mime = r.mimetype
        assert mime in content, (method, template, r.status_code, mime)
        self.seen.add((method, template, r.status_code))
        if mime == "application/json":
            schema = {"components": self.components, "allOf": [_jsonschema(content[mime]["schema"])]}
            errors = sorted(Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
                            .iter_errors(r.get_json()), key=lambda e: list(e.absolute_path))
            assert not errors, (method, template, r.status_code,
                                [(list(e.absolute_path), e.message[:200]) for e in errors[:5]])
        return r


@pytest.fixture
def doc(client):
    return Document(client)


def test_every_route_of_the_api_is_documented(app, doc):
    routes = {(m, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(m.upper(), p) for p, ops in doc.spec["paths"].items() for m in ops}
    expanded = {(m, "/reports/{kind}.{fmt}") for m, p in documented if re.fullmatch(r"/reports/\w+\.\w+", p)}
    missing = {r for r in routes if r not in documented and r not in expanded}
    missing -= {("POST", "/cases/{case_id}/transitions/{trigger}")}  # one path per trigger instead
    assert not missing


def test_a_walked_case_answers_as_documented(bx, doc):
    fire = "/cases/{case_id}/transitions/%s"
    r = doc.check(bx.post("/cases", {"student_id": bx.pupil(), "detected_on": "2026-01-05", "source": "teacher",
                                     "note": "连续 5 天未到校"}, as_="teacher"), "POST", "/cases")
    case = r.get_json()
    assert r.status_code == 201 and case["state"] == "detected"
    walk = bx.PATH + [("log_follow_up", "teacher")] * 3 + [("complete_follow_up", "teacher")]
    for trigger, who in walk:
        if trigger == "start_visits":
            doc.check(bx.fire(case["id"], "verify", "bureau"), "POST", fire % "verify")
            doc.check(bx.fire(case["id"], "assign", "school_admin"), "POST", fire % "assign")
            doc.check(bx.fire(case["id"], "add_note", "teacher"), "POST", fire % "add_note")
        extra = {}
        if trigger == "log_follow_up":  # each checkpoint on its due day
            checkpoint = bx.CHECKPOINTS[len(bx.case(case["id"])["vars"].get("follow_up_checkpoints", []))]
            day = bx.checkpoint_due(case["id"], checkpoint)
            bx.at_day(day)
            extra = {"checkpoint": checkpoint, "checked_on": day.isoformat()}
        r = doc.check(bx.fire(case["id"], trigger, who, **extra), "POST", fire % trigger)
        assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "followed_up" and r.get_json()["closed_at"]

    for who in ("bureau", "supervisor", "teacher", "partner"):
        doc.check(bx.get(f"/cases/{case['id']}", as_=who), "GET", "/cases/{case_id}")
    timeline = doc.check(bx.get(f"/cases/{case['id']}/timeline", as_="supervisor"), "GET",
                         "/cases/{case_id}/timeline").get_json()
    assert len(timeline["events"]) == 1 + 3 + len(walk)
    doc.check(bx.get(f"/cases/{case['id']}/timeline.csv"), "GET", "/cases/{case_id}/timeline.csv")

    open_case = bx.case_in("joint_return")
    doc.check(bx.fire(open_case["id"], "invite_partner", "bureau"), "POST", fire % "invite_partner")
    doc.check(bx.fire(open_case["id"], "log_joint_action", "partner"), "POST", fire % "log_joint_action")
    for query in ("", "?state=joint_return&open=true", "?overdue=false&level=0&reason=family&page=1&per_page=5",
                  "?q=学生&school=SA&class=SA-7-1&assignee=school_admin"):
        for who in ("bureau", "teacher", "supervisor", "partner"):
            doc.check(bx.get(f"/cases{query}", as_=who), "GET", "/cases")
    closed = bx.case_in("detected")
    doc.check(bx.fire(closed["id"], "close_false_alarm", "bureau"), "POST", fire % "close_false_alarm")



def test_cases_of_every_workflow_list_as_documented(app, bx, doc):
    """A list holding a case about a unit (no pupil; the workflow's own fields, not the dropout's)."""
    with app.app_context():
        school = unit_by_code("SA").id
    bx.open()
    report = bx.post("/cases", {"workflow": "school_report", "school_id": school, "month": "2026-11"},
                     as_="school_admin")
    assert report.status_code == 201, report.get_json()
    doc.check(report, "POST", "/cases")
    listed = bx.get("/cases", as_="bureau")
    assert {c["workflow"] for c in listed.get_json()["items"]} == {"dropout", "school_report"}
    doc.check(listed, "GET", "/cases")
    doc.check(bx.post("/cases/search", {}, as_="bureau"), "POST", "/cases/search")

def test_other_resources_answer_as_documented(bx, doc):
    bx.case_in("visiting")
    doc.check(bx.get("/students", as_="teacher"), "GET", "/students")
    for who in ("teacher", "supervisor"):
        doc.check(bx.get(f"/students/{bx.district.pupils[0]}", as_=who), "GET", "/students/{student_id}")
    pupil = {"student_no": "G522601201109010012", "name": "王小明", "gender": "M", "birth_date": "2011-09-01",
             "class_code": "SA-7-1", "guardian_name": "王建华", "guardian_phone": "13800001111"}
    doc.check(bx.post("/students", pupil, as_="school_admin"), "POST", "/students")
    doc.check(bx.post("/students", pupil, as_="school_admin"), "POST", "/students")       # 409
    roster = ("student_no,name,gender,birth_date,class_code\nG522601201103150030,李小红,F,2011-03-15,SA-7-2\n"
              "G12345,张三,男,2011-01-01,SA-7-1\n").encode()
    r = doc.check(bx.client.post("/api/v1/students/import", data={"file": (io.BytesIO(roster), "r.csv")},
                                 headers=bx.headers("school_admin"), content_type="multipart/form-data"),
                  "POST", "/students/import")
    assert r.get_json()["created"] == 1 and r.get_json()["failed"] == 1
    doc.check(bx.get("/workflows/dropout"), "GET", "/workflows/{name}")
    doc.check(bx.get("/audit/verify", as_="supervisor"), "GET", "/audit/verify")
    doc.check(bx.get("/notifications?unread=true", as_="school_admin"), "GET", "/notifications")
    doc.check(bx.post("/notifications/read-all", as_="school_admin"), "POST", "/notifications/read-all")
    for who in ("bureau", "school_admin", "supervisor"):
        doc.check(bx.get("/dashboard", as_=who), "GET", "/dashboard")
        doc.check(bx.get("/reports/district?period=2026-Q1", as_=who), "GET", "/reports/district")
        doc.check(bx.get("/reports/monthly?school=SA&month=2026-01", as_=who), "GET", "/reports/monthly")
    for ext in ("csv", "xlsx"):
        doc.check(bx.get(f"/reports/district.{ext}?period=2026-01"), "GET", f"/reports/district.{ext}")
        doc.check(bx.get(f"/reports/monthly.{ext}?school=SA&month=2026-01"), "GET", f"/reports/monthly.{ext}")
    token = bx.client.post("/api/v1/auth/token", json={"username": "teacher", "password": "nope"})
    doc.check(token, "POST", "/auth/token")


def test_an_error_of_each_status_answers_as_documented(app, bx, doc):
    case = bx.case_in("reported")
    fire = "/cases/{case_id}/transitions/%s"
    # 400: malformed JSON, a bad query parameter
    r = doc.check(bx.client.post(f"/api/v1/cases/{case['id']}/transitions/add_note", data="{",
                                 content_type="application/json", headers=bx.headers("teacher")),
                  "POST", fire % "add_note")
    assert r.status_code == 400
    assert doc.check(bx.get("/cases?page=x"), "GET", "/cases").status_code == 400
    assert doc.check(bx.get("/notifications?unread=maybe"), "GET", "/notifications").status_code == 400
    # 401
    assert doc.check(bx.client.get("/api/v1/cases"), "GET", "/cases").status_code == 401
    # 403: a role that may not fire it, a role that may not read reports
    assert doc.check(bx.fire(case["id"], "verify", "teacher"), "POST", fire % "verify").status_code == 403
    assert doc.check(bx.get("/dashboard", as_="teacher"), "GET", "/dashboard").status_code == 403
    # 404: out of scope, unknown, beyond the id range
    assert doc.check(bx.get(f"/cases/{case['id']}", as_="other_teacher"), "GET", "/cases/{case_id}").status_code == 404
    assert doc.check(bx.get(f"/cases/{case['id']}/timeline", as_="other_admin"), "GET",
                     "/cases/{case_id}/timeline").status_code == 404
    assert doc.check(bx.get("/students/999999"), "GET", "/students/{student_id}").status_code == 404
    r = doc.check(bx.post("/notifications/7/read"), "POST", "/notifications/{notification_id}/read")
    assert r.status_code == 404
    assert doc.check(bx.get("/reports/monthly?school=SB&month=2026-01", as_="school_admin"), "GET",
                     "/reports/monthly").status_code == 404
    # 409: stale version, not allowed in this state, an open case exists
    r = doc.check(bx.fire(case["id"], "add_note", "teacher", version=case["version"] - 1), "POST", fire % "add_note")
    assert r.status_code == 409 and r.get_json()["current_version"] == case["version"]
    r = doc.check(bx.fire(case["id"], "log_visit", "teacher"), "POST", fire % "log_visit")
    assert r.status_code == 409 and r.get_json()["allowed"] and "log_visit" not in r.get_json()["allowed"]
    r = doc.check(bx.post("/cases", {"student_id": bx.district.pupils[0], "detected_on": "2026-01-05"},
                          as_="teacher"), "POST", "/cases")
    assert r.status_code == 409 and r.get_json()["open_case_id"] == case["id"]
    # 413
    app.config["MAX_CONTENT_LENGTH"] = 1000
    r = doc.check(bx.fire(case["id"], "add_note", "teacher", text="长" * 2000), "POST", fire % "add_note")
    assert r.status_code == 413
    app.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    # 422: a bad field, a guard, a bad period
    r = doc.check(bx.fire(case["id"], "start_visits", "school_admin", data={**VALID["start_visits"], "team": "x"}),
                  "POST", fire % "start_visits")
    assert r.status_code == 422 and "team" in r.get_json()["fields"]
    assert doc.check(bx.get("/reports/district?period=2026-13"), "GET", "/reports/district").status_code == 422
    assert doc.check(bx.post("/auth/token", {}), "POST", "/auth/token").status_code == 422
    assert {s for _, _, s in doc.seen} == {400, 401, 403, 404, 409, 413, 422}


def test_the_histories_and_logs_answer_as_documented(bx, doc):
    """A pupil's history, the admin-event, access and authentication logs, one's tokens, the posted search."""
    from tests.web import PASSWORD, set_passwords
    case = bx.case_in("reported")
    pupil = case["pupil"]["id"]
    bx.post("/students", {"student_no": "G522601201109010012", "name": "王小明", "gender": "M",
                          "birth_date": "2011-09-01", "class_code": "SA-7-1"}, as_="school_admin")
    for who in ("school_admin", "supervisor"):
        r = doc.check(bx.get(f"/students/{pupil}/history", as_=who), "GET", "/students/{student_id}/history")
    doc.check(bx.get(f"/cases/{case['id']}/timeline", as_="supervisor"), "GET", "/cases/{case_id}/timeline")
    r = doc.check(bx.get("/access-log", as_="supervisor"), "GET", "/access-log")
    assert r.get_json()["total"] >= 1
    doc.check(bx.get("/access-log", as_="bureau"), "GET", "/access-log")                         # 403
    r = doc.check(bx.get("/admin-events", as_="supervisor"), "GET", "/admin-events")
    doc.check(bx.get("/admin-events?action=nope", as_="supervisor"), "GET", "/admin-events")    # 400
    set_passwords(bx.app, "teacher")
    issued = doc.check(bx.client.post("/api/v1/auth/token", json={"username": "teacher", "password": PASSWORD}),
                       "POST", "/auth/token").get_json()
    r = doc.check(bx.get("/auth/tokens", as_="teacher"), "GET", "/auth/tokens")
    assert issued["token_id"] in [t["id"] for t in r.get_json()["items"]]
    doc.check(bx.client.delete(f"/api/v1/auth/tokens/{issued['token_id']}", headers=bx.headers("teacher")),
              "DELETE", "/auth/tokens/{token_id}")
    doc.check(bx.client.delete("/api/v1/auth/tokens/999999", headers=bx.headers("teacher")),
              "DELETE", "/auth/tokens/{token_id}")                                                  # 404
    r = doc.check(bx.get("/auth-events", as_="admin"), "GET", "/auth-events")
    assert {"login", "token_issued", "token_revoked"} & {e["action"] for e in r.get_json()["items"]}
    doc.check(bx.get("/auth-events", as_="supervisor"), "GET", "/auth-events")                  # 403
    r = doc.check(bx.post("/cases/search", {"state": "reported", "q": case["pupil"]["name"][:1]}),
                  "POST", "/cases/search")
    assert [c["id"] for c in r.get_json()["items"]] == [case["id"]]
