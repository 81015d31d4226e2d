"""The 学籍号 (the national ID number inside it) stays out of URLs and server logs, and answers with
personal data are not cached."""
import logging
import threading
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Pupil
from tests.web import Browser


@pytest.fixture
def pupil_no(app, bx):
    with app.app_context():
        return db.session.get(Pupil, bx.district.pupils[0]).student_no


def test_the_case_list_search_is_posted_and_no_url_carries_it(app, bx, pupil_no):
    case = bx.open()  # the first pupil's
    for _ in range(2):
        bx.open()
    page = Browser(app, "school_admin")
    r = page.post("/cases", {"q": pupil_no, "open": "true", "state": ""})
    assert r.status_code == 303
    assert pupil_no not in r.location and "q=" not in r.location and "search=1" in r.location
    r = page.get(r.location)
    html = r.get_data(as_text=True)
    assert f'href="/cases/{case["id"]}"' in html and 'id="total">1<' in html
    hrefs = [h for h in html.split('href="')[1:]]
    assert not any(pupil_no in h.split('"')[0] for h in hrefs)  # pager, counts, export: no 学籍号
    assert 'id="filters"' in html and 'method="post"' in html
    export = page.get("/cases/export.xlsx?search=1&open=true")
    assert export.status_code == 200 and export.headers["Cache-Control"] == "no-store"


def test_the_api_searches_by_post_too(app, bx, pupil_no):
    case = bx.open()
    bx.open()
    body = bx.post("/cases/search?per_page=10", {"q": pupil_no, "open": True}, as_="school_admin").get_json()
    assert [c["id"] for c in body["items"]] == [case["id"]] and body["per_page"] == 10
    assert bx.post("/cases/search", {}, as_="school_admin").get_json()["total"] == 2
    r = bx.post("/cases/search", {"q": ["x"]}, as_="school_admin")
    assert r.status_code == 400 and r.get_json()["field"] == "q"
    assert bx.post("/cases/search", {"state": "nope"}, as_="school_admin").status_code == 422
    assert bx.post("/cases/search", {"q": pupil_no}, as_="other_admin").get_json()["total"] == 0


def test_the_roster_search_of_a_new_case_is_posted(app, bx, pupil_no):
    page = Browser(app, "teacher")
    html = page.text("/cases/new")
    assert '<form method="post" class="filters no-print" id="roster-search">' in html
    r = page.post("/cases/new", {"find": "1", "q": pupil_no})
    assert r.status_code == 200
    assert f'name="student_id" value="{bx.district.pupils[0]}"' in r.get_data(as_text=True)


@pytest.fixture
def served(app):
    """The app behind werkzeug's real server (its request log is what reaches server logs)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def _get(url, token=None):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_no_id_number_reaches_the_request_log(app, bx, served, pupil_no, caplog):
    caplog.set_level(logging.INFO)
    token = bx.district.tokens["teacher"]
    id_number = pupil_no[1:]
    assert _get(f"{served}/api/v1/cases?q={pupil_no}", token) == 200
    assert _get(f"{served}/api/v1/students?q={id_number}", token) == 200
    assert _get(f"{served}/cases?q={pupil_no}&state=reported") == 200   # → login, next=... (followed)
    assert _get(f"{served}/cases/new?q={quote('学生1')}") == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(lines) >= 4 and any("/api/v1/cases?q=[redacted]" in line for line in lines)
    assert "state=reported" in caplog.text  # the rest of the URL is kept
    for text in [caplog.text] + lines:
        assert pupil_no not in text and id_number not in text and "学生1" not in text and quote("学生1") not in text


def test_error_logs_and_tracebacks_are_redacted(app, caplog, pupil_no="G11010519491231002X"):
    caplog.set_level(logging.INFO)
    try:
        raise ValueError(f"no pupil {pupil_no[1:]} (phone 13912345678)")
    except ValueError:
        logging.getLogger("app.api.errors").exception("unexpected error on GET /api/v1/cases?q=%s", pupil_no)
    logging.getLogger("waitress").warning("Exception while serving /cases?q=%s", pupil_no)
    assert pupil_no[1:] not in caplog.text and "13912345678" not in caplog.text
    assert "ValueError" in caplog.text and "?q=[redacted]" in caplog.text


def test_api_answers_and_signed_in_pages_are_not_stored(app, bx):
    case = bx.open()
    for path in ("/cases", f"/cases/{case['id']}", f"/cases/{case['id']}/timeline", "/nope"):
        assert bx.get(path, as_="teacher").headers["Cache-Control"] == "no-store", path
    assert bx.client.get("/api/v1/cases").headers["Cache-Control"] == "no-store"  # even the 401
    page = Browser(app, "teacher")
    for path in ("/work", "/cases", f"/cases/{case['id']}", f"/cases/{case['id']}/timeline",
                 f"/cases/{case['id']}/timeline.csv", "/cases/new"):
        assert page.get(path).headers["Cache-Control"] == "no-store", path
