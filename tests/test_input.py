"""Hostile and sloppy input: always a clear 4xx naming the problem, never a 500, never a half write."""
import json

import pytest

from tests.payloads import VALID


def post_raw(bx, path, data, as_="school_admin", content_type="application/json"):
    return bx.client.post(f"/api/v1{path}", data=data, content_type=content_type, headers=bx.headers(as_))


# Not JSON at all (or nested past any parser's depth) is bad_json; JSON that is not an object is bad_request.
@pytest.mark.parametrize("raw,error", [
    (b"{", "bad_json"), (b'{"version": 1,}', "bad_json"), (b"\xff\xfe", "bad_json"), (b"nul", "bad_json"),
    (b"[" * 100000 + b"]" * 100000, "bad_json"),
    (b"[1, 2]", "bad_request"), (b'"text"', "bad_request"), (b"12", "bad_request"),
])
def test_malformed_json_is_400(bx, raw, error):
    case = bx.case_in("detected")
    before = bx.footprint(case["id"])
    r = post_raw(bx, f"/cases/{case['id']}/transitions/report", raw)
    assert r.status_code == 400, r.data[:200]
    assert r.is_json and r.get_json()["error"] == error, r.get_json()
    assert bx.footprint(case["id"]) == before


@pytest.mark.parametrize("field,value", [
    ("reasons", "learning"), ("reasons", [1, 2]), ("reasons", {"a": 1}), ("dropout_date", 20260901),
    ("dropout_date", "2026-02-30"), ("dropout_date", "yesterday"), ("reason_analysis", ["x"]),
    ("reason_analysis", {"$gt": ""}), ("reason_analysis", True), ("reasons", ["not-a-reason"]),
])
def test_wrong_types_and_values_are_422_naming_the_field(bx, field, value):
    case = bx.case_in("detected")
    before = bx.footprint(case["id"])
    r = bx.fire(case["id"], "report", "school_admin", **{field: value})
    assert r.status_code == 422 and field in r.get_json()["fields"], r.get_json()
    assert bx.footprint(case["id"]) == before


def test_version_must_be_an_integer(bx):
    # The type is checked before the value is compared: a version that is not an integer (a string, a
    # float, a bool, null, a list, or none at all) is 422 naming "version", never 409; only an integer
    # that is not the case's current version is a conflict.
    case = bx.case_in("detected")
    before = bx.footprint(case["id"])
    for bad in ("1", 1.0, True, None, [1], "absent"):
        body = dict(VALID["report"]) if bad == "absent" else {**VALID["report"], "version": bad}
        r = bx.post(f"/cases/{case['id']}/transitions/report", body, as_="school_admin")
        assert r.status_code == 422 and list(r.get_json()["fields"]) == ["version"], (bad, r.get_json())
    r = bx.post(f"/cases/{case['id']}/transitions/report", {**VALID["report"], "version": case["version"] + 1},
                as_="school_admin")
    assert r.status_code == 409 and r.get_json()["current_version"] == case["version"], r.get_json()
    assert bx.footprint(case["id"]) == before


def test_unknown_fields_are_422_naming_them(bx):
    case = bx.case_in("detected")
    r = bx.fire(case["id"], "report", "school_admin", state="followed_up", is_admin=True)
    assert r.status_code == 422
    assert set(r.get_json()["fields"]) == {"state", "is_admin"}
    assert bx.case(case["id"])["state"] == "detected"


def test_huge_strings_are_refused(bx):
    case = bx.case_in("detected")
    before = bx.footprint(case["id"])
    r = bx.fire(case["id"], "report", "school_admin", reason_analysis="辍" * 4001)
    assert r.status_code == 422 and "reason_analysis" in r.get_json()["fields"]
    r = bx.fire(case["id"], "report", "school_admin", reasons=["learning"] * 51)
    assert r.status_code == 422 and "reasons" in r.get_json()["fields"]
    r = post_raw(bx, f"/cases/{case['id']}/transitions/report",
                 json.dumps({**VALID["report"], "next_plan": "x" * (9 * 1024 * 1024)}))
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"
    assert bx.footprint(case["id"]) == before


@pytest.mark.parametrize("value", ["a\x00b", "\ud800"])
def test_characters_a_database_cannot_store_are_400(bx, value):
    case = bx.case_in("detected")
    body = json.dumps({**VALID["report"], "reason_analysis": value, "version": 1})
    r = post_raw(bx, f"/cases/{case['id']}/transitions/report", body)
    assert r.status_code == 400 and "reason_analysis" in r.get_json()["message"]


def test_sql_and_html_in_text_are_stored_verbatim(bx):
    case = bx.case_in("detected")
    nasty = {"reason_analysis": "'; DROP TABLE cases; --", "measures_taken": "<script>alert('x')</script>",
             "measures_effect": "Robert'); DELETE FROM case_events;-- 😀 \\ \" %s {0}",
             "next_plan": "=HYPERLINK(\"http://evil\")"}
    r = bx.fire(case["id"], "report", "school_admin", **nasty)
    assert r.status_code == 200, r.get_json()
    stored = bx.events(case["id"])[-1]["data"]["form"]
    for k, v in nasty.items():
        assert stored[k] == v
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
    csv = bx.get(f"/cases/{case['id']}/timeline.csv").data.decode("utf-8-sig")
    assert "DROP TABLE" in csv
    assert bx.get("/cases").get_json()["total"] == 1


def test_bad_query_parameters_are_4xx(bx):
    assert bx.get("/cases?page=abc").status_code == 400
    assert bx.get("/cases?page=0").status_code == 400
    assert bx.get("/cases?per_page=100000").status_code == 400
    assert bx.get("/cases?overdue=maybe").status_code == 400
    r = bx.get("/cases?state=nowhere")
    assert r.status_code == 422 and "state" in r.get_json()["fields"]
    assert bx.get("/students?q=" + "x" * 500).status_code == 400


def test_api_errors_are_json_even_for_unknown_urls_and_methods(bx):
    r = bx.get("/no/such/thing")
    assert r.status_code == 404 and r.is_json
    r = bx.client.delete("/api/v1/cases", headers=bx.headers("bureau"))
    assert r.status_code == 405 and r.is_json


def test_requests_without_a_valid_token_are_401(bx):
    assert bx.client.get("/api/v1/cases").status_code == 401
    r = bx.client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.get_json()["error"] == "unauthenticated"
    r = bx.client.get("/api/v1/cases", headers={"Authorization": "Bearer " + "x" * 10000})
    assert r.status_code == 401


def test_open_case_validation(bx, district):
    pid = district.pupils[0]
    for body, field in [({"detected_on": "2026-09-01"}, "student_id"),
                        ({"student_id": "1", "detected_on": "2026-09-01"}, "student_id"),
                        ({"student_id": 10**20, "detected_on": "2026-09-01"}, "student_id"),
                        ({"student_id": pid, "detected_on": "2999-01-01"}, "detected_on"),
                        ({"student_id": pid, "detected_on": "1990-01-01"}, "detected_on"),
                        ({"student_id": pid}, "detected_on"),
                        ({"student_id": pid, "detected_on": "2026-09-01", "source": "ufo"}, "source")]:
        r = bx.post("/cases", body, as_="teacher")
        assert r.status_code == 422 and field in r.get_json()["fields"], (body, r.get_json())
    assert bx.get("/cases").get_json()["total"] == 0
