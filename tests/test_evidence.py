"""Evidence files on a step: a receipt, a visit's photo, a medical note, carried by any step through the
engine's one entry point (multipart on the step endpoint, a file input on the case page). Checked by
size and by their first bytes, stored once by SHA-256 under the instance, recorded on the step's audit
event, served only in the case's scope, each read in the access log."""
import hashlib
import io
import json
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import AccessLog, CaseFile
from tests.district import VALID, app_today
from tests.web import Browser, form_fields

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _visit(bx, case, files, as_="teacher", **extra):
    """log_visit as multipart: the JSON body in `payload`, the files as `files` parts."""
    body = {**VALID["log_visit"], "visited_on": app_today(), "version": bx.case(case["id"])["version"], **extra}
    data = {"payload": json.dumps(body), "files": [(io.BytesIO(content), name) for name, content in files]}
    return bx.client.post(f"/api/v1/cases/{case['id']}/transitions/log_visit", data=data,
                          headers=bx.headers(as_), content_type="multipart/form-data")


def _stored(app) -> list[Path]:
    root = Path(app.instance_path) / "data" / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _file_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(CaseFile.id)))


def test_a_step_carries_files_and_its_event_holds_their_hashes(app, bx):
    case = bx.case_in("visiting")
    r = _visit(bx, case, [("回执.pdf", PDF), ("家访.png", PNG)])
    assert r.status_code == 200, r.get_json()
    event = bx.events(case["id"])[-1]
    assert event["action"] == "log_visit"
    files = event["data"]["files"]
    assert [(f["name"], f["type"], f["size"]) for f in files] == [("回执.pdf", "application/pdf", len(PDF)),
                                                                    ("家访.png", "image/png", len(PNG))]
    for f, content in zip(files, (PDF, PNG)):
        assert f["sha256"] == hashlib.sha256(content).hexdigest()
        got = bx.get(f"/cases/{case['id']}/files/{f['sha256']}", as_="teacher")
        assert got.status_code == 200 and got.data == content and got.mimetype == f["type"]
        assert hashlib.sha256(got.data).hexdigest() == f["sha256"]
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    # the chain covers them: the audit check still verifies
    assert bx.get(f"/cases/{case['id']}/timeline").status_code == 200
    assert sorted(p.name for p in _stored(app)) == sorted(hashlib.sha256(c).hexdigest() for c in (PDF, PNG))


def test_a_retried_step_and_a_file_sent_twice_are_stored_once(app, bx):
    case = bx.case_in("visiting")
    key = "retry-key-0001"
    first = _visit(bx, case, [("a.pdf", PDF)], client_key=key)
    assert first.status_code == 200
    version = first.get_json()["version"]
    # the same posting again (an answer lost on the way): answered, nothing recorded twice
    body = {**VALID["log_visit"], "visited_on": app_today(), "version": version - 1, "client_key": key}
    again = bx.client.post(f"/api/v1/cases/{case['id']}/transitions/log_visit", headers=bx.headers("teacher"),
                           data={"payload": json.dumps(body), "files": [(io.BytesIO(PDF), "a.pdf")]},
                           content_type="multipart/form-data")
    assert again.status_code == 200 and again.get_json()["version"] == version
    assert _file_rows(app) == 1 and len(_stored(app)) == 1
    # another step with the same bytes: recorded on its own step, stored once
    assert _visit(bx, case, [("copy.pdf", PDF)]).status_code == 200
    assert _file_rows(app) == 2 and len(_stored(app)) == 1


def test_a_wrong_type_or_an_oversized_file_is_refused_naming_the_field_and_nothing_is_written(app, bx):
    case = bx.case_in("visiting")
    before = bx.footprint(case["id"])
    # the name says PDF, the bytes say otherwise: the bytes decide
    r = _visit(bx, case, [("note.pdf", b"MZ\x90\x00 not a pdf at all")])
    assert r.status_code == 422 and "files" in r.get_json()["fields"]
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    r = _visit(bx, case, [("big.png", PNG + b"\x00" * 2048)])
    assert r.status_code == 422 and "files" in r.get_json()["fields"] and "MiB" in r.get_json()["fields"]["files"]
    assert bx.footprint(case["id"]) == before
    assert _file_rows(app) == 0 and _stored(app) == []
    # a form error with a good file: nothing on disk either
    app.config["EVIDENCE_MAX_BYTES"] = 10 * 1024 * 1024
    r = _visit(bx, case, [("ok.jpg", JPEG)], visited_on="")
    assert r.status_code == 422 and _stored(app) == [] and bx.footprint(case["id"]) == before


def test_files_are_served_only_in_scope_and_only_of_their_case(app, bx):
    case = bx.case_in("visiting")
    other = bx.case_in("visiting")
    assert _visit(bx, case, [("回执.pdf", PDF)]).status_code == 200
    sha = hashlib.sha256(PDF).hexdigest()
    assert bx.get(f"/cases/{case['id']}/files/{sha}", as_="other_admin").status_code == 404
    assert bx.get(f"/cases/{case['id']}/files/{sha}", as_="other_teacher").status_code == 404
    assert bx.get(f"/cases/{other['id']}/files/{sha}", as_="teacher").status_code == 404  # not of that case
    assert bx.get(f"/cases/{case['id']}/files/{'0' * 64}", as_="teacher").status_code == 404
    assert bx.get(f"/cases/{case['id']}/files/not-a-hash", as_="teacher").status_code == 404
    page = Browser(app, "other_admin")
    assert page.get(f"/cases/{case['id']}/files/{sha}").status_code == 404


def test_each_read_of_a_file_is_in_the_access_log(app, bx):
    case = bx.case_in("visiting")
    assert _visit(bx, case, [("回执.pdf", PDF)]).status_code == 200
    sha = hashlib.sha256(PDF).hexdigest()

    def reads():
        with app.app_context():
            return db.session.execute(select(AccessLog.via, AccessLog.case_id, AccessLog.pupil_id)
                                      .where(AccessLog.what == "file")).all()
    assert reads() == []
    assert bx.get(f"/cases/{case['id']}/files/{sha}", as_="school_admin").status_code == 200
    assert Browser(app, "teacher").get(f"/cases/{case['id']}/files/{sha}").status_code == 200
    assert [r.via for r in reads()] == ["api:case_file", "page:case_file"]
    assert {(r.case_id, r.pupil_id) for r in reads()} == {(case["id"], case["pupil"]["id"])}
    entries = bx.get("/access-log", as_="supervisor").get_json()["items"]
    assert [e["what"] for e in entries if e["what"] == "file"] == ["file", "file"]


def test_the_case_page_takes_files_with_a_step_and_lists_them(app, bx):
    case = bx.case_in("visiting")
    teacher = Browser(app, "teacher")
    page = teacher.text(f"/cases/{case['id']}")
    assert 'enctype="multipart/form-data"' in page and 'id="log_visit-files"' in page
    fields = form_fields({**VALID["log_visit"], "visited_on": app_today()})
    fields.add("version", str(bx.case(case["id"])["version"]))
    fields.add("files", (io.BytesIO(JPEG), "照片.jpg"))
    r = teacher.post(f"/cases/{case['id']}/actions/log_visit", fields, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    sha = hashlib.sha256(JPEG).hexdigest()
    page = teacher.text(f"/cases/{case['id']}")
    assert f"/cases/{case['id']}/files/{sha}" in page and "照片.jpg" in page
    assert f"/cases/{case['id']}/files/{sha}" in Browser(app, "supervisor").text(f"/cases/{case['id']}/timeline")
    # a bad file comes back beside the file input, the step not taken
    before = bx.footprint(case["id"])
    fields = form_fields({**VALID["log_visit"], "visited_on": app_today()})
    fields.add("version", str(bx.case(case["id"])["version"]))
    fields.add("files", (io.BytesIO(b"GIF89a...."), "x.png"))
    r = teacher.post(f"/cases/{case['id']}/actions/log_visit", fields, content_type="multipart/form-data")
    assert r.status_code == 422 and "只接受 PDF" in r.get_data(as_text=True)
    assert bx.footprint(case["id"]) == before
