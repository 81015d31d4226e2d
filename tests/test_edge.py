"""The request's edge (app/web/edge.py): control characters, lone surrogates and bytes that are not UTF-8
are refused in one place — path, query string, JSON and form posts — with a 400 naming the field,
before anything is read or stored, on the API and on the pages alike."""
import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, Pupil, User
from tests.payloads import VALID
from tests.web import Browser

BAD_QUERY = ["%00", "a%00b", "%07", "%7f", "%09", "%0a", "%ff%fe", "%ed%a0%80"]
API_LISTS = ["/cases?q={}", "/students?q={}", "/reports/monthly?school=SA&month={}",
             "/cases?state={}", "/reports/district?period={}", "/notifications?unread={}"]
PAGES = ["/cases?q={}", "/cases/new?q={}", "/reports?month={}", "/dashboard?school={}", "/admin/calendar?month={}"]


def counts(app) -> tuple:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Case, Pupil, User))


@pytest.mark.parametrize("value", BAD_QUERY)
@pytest.mark.parametrize("url", API_LISTS)
def test_api_query_values_are_refused_naming_the_argument(bx, url, value):
    r = bx.get(url.format(value))
    assert r.status_code == 400, r.get_data(as_text=True)
    body = r.get_json()
    assert body["error"] == "bad_characters"
    name = url.split("?")[1].split("=")[-2].split("&")[-1]
    assert body["field"] == name and name in body["message"]


def test_api_query_names_and_path_segments_are_refused(bx):
    r = bx.get("/cases?st%00ate=x")
    assert r.status_code == 400 and r.get_json()["field"] == "query"
    for path in ("/cases/%00", "/cases/1%00", "/workflows/drop%07out"):
        r = bx.get(path)
        assert r.status_code == 400 and r.get_json()["field"] == "path", path
    # a server hands the path's raw bytes over as latin-1 (the test client would make them U+FFFD)
    r = bx.get("/students/1", environ_overrides={"PATH_INFO": "/api/v1/students/\xff"})
    assert r.status_code == 400 and r.get_json()["field"] == "path"
    # ordinary text, tabs in bodies and non-ASCII query values still work
    assert bx.get("/students?q=" + "学生").status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_page_query_values_are_refused_with_the_error_page(app, district, url):
    b = Browser(app, "bureau")
    for value in ("%00", "%ff"):
        r = b.get(url.format(value))
        page = r.get_data(as_text=True)
        assert r.status_code == 400 and r.mimetype == "text/html", (url, r.status_code)
        assert "不允许的字符" in page
    b.post("/language", {"lang": "en", "next": "/work"})
    page = b.get(url.format("%00")).get_data(as_text=True)
    assert "not allowed" in page and "不允许" not in page


def test_page_paths_are_refused(app, district):
    b = Browser(app, "bureau")
    for path in ("/cases/%00", "/cases/%00/timeline", "/no%00such"):
        r = b.get(path)
        assert r.status_code == 400 and "path" in r.get_data(as_text=True), path


@pytest.mark.parametrize("body, field", [
    ({"reason_analysis": "a\x00b"}, "reason_analysis"),
    ({"reason_analysis": "\ud800"}, "reason_analysis"),
    ({"reason_analysis": "bell\x07"}, "reason_analysis"),
    ({"reason_analysis": "del\x7f"}, "reason_analysis"),
    ({"reasons": ["learning", "x\x00"]}, "reasons[1]"),
    ({"extra": {"deep": [{"k": "v\x1b"}]}}, "extra.deep[0].k"),
    ({"ke\x00y": "v"}, "body"),
])
def test_json_bodies_are_refused_nested_naming_the_field(bx, body, field):
    case = bx.case_in("detected")
    before = bx.footprint(case["id"])
    raw = json.dumps({**VALID["report"], "version": 1, **body})
    r = bx.client.post(f"/api/v1/cases/{case['id']}/transitions/report", data=raw,
                       headers={**bx.headers("school_admin"), "Content-Type": "application/json"})
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["field"] == field
    assert bx.footprint(case["id"]) == before


def test_json_without_content_type_and_deep_documents(bx, app):
    before = counts(app)
    body = json.dumps({"student_no": "G522601201109010012", "name": "王\x00", "gender": "M",
                       "birth_date": "2011-09-01", "class_code": "SA-7-1"})
    r = bx.client.post("/api/v1/students", data=body, headers=bx.headers("school_admin"))
    assert r.status_code == 400 and r.get_json()["field"] == "name"
    deep = "[" * 900 + '"\\u0000"' + "]" * 900
    r = bx.client.post("/api/v1/cases", data='{"a": ' + deep + "}",
                       headers={**bx.headers("teacher"), "Content-Type": "application/json"})
    assert r.status_code == 400
    assert counts(app) == before
    # tab, newline and carriage return are text in a body
    case = bx.case_in("detected")
    r = bx.fire(case["id"], "report", "school_admin", reason_analysis="第一行\r\n\t第二行")
    assert r.status_code == 200, r.get_json()


def test_a_nul_posted_through_a_form_is_refused_and_nothing_is_stored(app, bx):
    teacher = Browser(app, "teacher")
    before = counts(app)
    r = teacher.post("/cases/new", {"student_id": bx.district.pupils[0], "detected_on": "2026-11-02",
                                    "source": "teacher", "note": "连续三天\x00未到校"})
    assert r.status_code == 400 and "note" in r.get_data(as_text=True)
    case = bx.open()
    footprint = bx.footprint(case["id"])
    r = teacher.post(f"/cases/{case['id']}/actions/add_note",
                     {"version": "1", "seen_seq": "0", "text": "家访\x00记录", "note": "家访\x00记录"})
    assert r.status_code == 400 and "不允许的字符" in r.get_data(as_text=True)
    assert bx.footprint(case["id"]) == footprint
    admin = Browser(app, "admin")
    before = counts(app)
    r = admin.post("/admin/users", {"username": "wang\x00", "role": "class_teacher", "unit": "SA-7-1",
                                    "password": "long enough password"})
    assert r.status_code == 400 and counts(app) == before
    # bytes that are not UTF-8 in an urlencoded body: Werkzeug would have made them U+FFFD
    from tests.web import TOKEN
    token = TOKEN.search(teacher.get("/work").get_data(as_text=True)).group(1)
    r = teacher.client.post("/cases/new", data=b"csrf_token=" + token.encode() + b"&note=%ff%fe",
                            content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and "note" in r.get_data(as_text=True)
    # a multipart post (the roster upload) is checked too
    from io import BytesIO
    r = admin.post("/admin/import", {"file": (BytesIO(b"x"), "roster\x00.csv")}, content_type="multipart/form-data")
    assert r.status_code == 400
    assert counts(app) == before


def test_a_multipart_part_without_a_usable_name_is_an_answer_not_a_500(bx):
    # found by the conformance run: a part whose name Werkzeug cannot read came through as None
    body = (b'--B\r\nContent-Disposition: form-data; name=""\r\n\r\nx\r\n'
            b'--B\r\nContent-Disposition: form-data; name="cW\\"\r\n\r\nnull\r\n'  # unterminated: no name
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="file.png"\r\n\r\n\x89PNG\r\n\x1a\n\r\n'
            b'--B--\r\n')
    r = bx.client.post("/api/v1/students/import", data=body, headers=bx.headers("bureau"),
                       content_type="multipart/form-data; boundary=B")
    # the nameless parts are ignored like any unknown field; the PNG is what is wrong
    assert r.status_code == 422 and list(r.get_json()["fields"]) == ["file"], r.get_json()
