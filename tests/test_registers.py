"""四查三比对 through the API and the CLI: each comparison kind on a small hand-made register, an
idempotent re-run that keeps reviews, review and dismiss on the audit trail, scope, and bad rows."""
import io
from datetime import datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.models import AdminEvent, CaseEvent, Deadline, Mismatch, RegisterRow
from tests.district import app_today
from tests.test_openapi import Document
from tests.registers_helpers import (
    TOO_OLD,
    TOO_YOUNG,
    UNENROLLED,
    add_duplicate,
    household_csv,
    other_district,
    poverty_csv,
    pupil_id_number,
    upload,
)


@pytest.fixture
def county(bx, app, district):
    """Both registers imported, pupil 3 reported out of school, a duplicate pupil: compared once."""
    assert upload(bx, "household", household_csv()).status_code == 200
    assert upload(bx, "poverty", poverty_csv()).status_code == 200
    case = bx.open(district.pupils[2], as_="teacher")
    bx.step(case["id"], "report", "school_admin")
    add_duplicate(app, district)
    r = bx.post("/registers/compare", {})
    assert r.status_code == 200, r.get_json()
    return {"case": case["id"], "run": r.get_json()}


def mismatches(bx, **query) -> dict:
    args = "&".join(f"{k}={v}" for k, v in query.items())
    r = bx.get("/registers/mismatches?per_page=200" + (f"&{args}" if args else ""))
    assert r.status_code == 200, r.get_json()
    return {(m["kind"], m["name"]): m for m in r.get_json()["items"]}


def test_each_kind_is_found_on_a_hand_made_register(bx, county, district):
    found = mismatches(bx)
    assert set(found) == {("not_enrolled", "未入学儿童"), ("not_in_school", "学生3"), ("poverty_dropout", "学生3"),
                          ("poverty_dropout", "脱贫户儿童"), ("duplicate", "学生2")}
    assert county["run"]["new"] == 5 and county["run"]["found"] == 5
    assert found[("not_in_school", "学生3")]["known_case_id"] == county["case"]
    assert found[("poverty_dropout", "学生3")]["pupil_id"] == district.pupils[2]
    assert found[("poverty_dropout", "脱贫户儿童")]["pupil_id"] is None
    assert found[("not_enrolled", "未入学儿童")]["village"] == "上寨村"
    # the list masks the ID number; one mismatch read alone shows it
    one = found[("not_enrolled", "未入学儿童")]
    assert one["id_number"] != UNENROLLED and "*" in one["id_number"]
    assert bx.get(f"/registers/mismatches/{one['id']}").get_json()["id_number"] == UNENROLLED
    names = {m["name"] for m in found.values()}
    assert not names & {"超龄", "幼儿", "学生1", "学生5"}  # outside the age, enrolled and in school
    assert set(mismatches(bx, kind="duplicate")) == {("duplicate", "学生2")}


def test_the_same_file_again_changes_nothing_and_a_new_version_replaces_the_snapshot(bx, app):
    first = upload(bx, "household", household_csv()).get_json()
    assert (first["rows"], first["inserted"], first["updated"], first["deleted"]) == (5, 5, 0, 0)
    again = upload(bx, "household", household_csv()).get_json()
    assert (again["inserted"], again["updated"], again["deleted"]) == (0, 0, 0)
    newer = household_csv(without=(TOO_OLD,)).replace("张父".encode(), "张母".encode())
    third = upload(bx, "household", newer).get_json()
    assert (third["inserted"], third["updated"], third["deleted"]) == (0, 1, 1)
    with app.app_context():
        rows = {r.id_number: r for r in db.session.scalars(select(RegisterRow))}
        assert TOO_OLD not in rows and TOO_YOUNG in rows and rows[UNENROLLED].guardian == "张母"


def test_a_rerun_keeps_reviews_and_resolves_what_disappeared(bx, county, app):
    found = mismatches(bx)
    dismissed = found[("duplicate", "学生2")]["id"]
    r = bx.post(f"/registers/mismatches/{dismissed}/dismiss", {"reason": "duplicate_fixed", "evidence": "已注销 L 号"})
    assert r.status_code == 200, r.get_json()
    again = bx.post("/registers/compare", {}).get_json()
    assert (again["new"], again["changed"], again["resolved"]) == (0, 0, 0)
    assert bx.get(f"/registers/mismatches/{dismissed}").get_json()["status"] == "dismissed"
    # the unenrolled child leaves the 户籍 register: the mismatch is resolved, not deleted
    upload(bx, "household", household_csv(without=(UNENROLLED,)))
    run = bx.post("/registers/compare", {}).get_json()
    assert run["resolved"] == 1 and run["new"] == 0
    gone = found[("not_enrolled", "未入学儿童")]["id"]
    assert bx.get(f"/registers/mismatches/{gone}").get_json()["resolved_at"] is not None
    assert ("not_enrolled", "未入学儿童") not in mismatches(bx)
    assert ("not_enrolled", "未入学儿童") in mismatches(bx, resolved=1)
    # and back: found again, open again, its review (none) kept
    upload(bx, "household", household_csv())
    assert bx.post("/registers/compare", {}).get_json()["changed"] == 1
    assert bx.get(f"/registers/mismatches/{gone}").get_json()["resolved_at"] is None


def test_review_opens_a_suspected_case_with_the_mismatch_as_evidence(bx, county, app, district):
    # pupil 5 is on the poverty list and in school; take the unenrolled poverty child and pupil 2's duplicate
    dup = mismatches(bx)[("duplicate", "学生2")]
    r = bx.post(f"/registers/mismatches/{dup['id']}/review", {"note": "两个学籍号"})
    assert r.status_code == 200, r.get_json()
    case = bx.case(r.get_json()["case_id"])
    assert case["state"] == "detected" and case["source"] == "registry"
    with app.app_context():
        opening = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case["id"], CaseEvent.seq == 1))
        assert opening.data["evidence"]["mismatch"]["kind"] == "duplicate"
        assert opening.data["form"]["note"] == "两个学籍号"
        event = db.session.scalar(select(AdminEvent).where(AdminEvent.action == "mismatch_case_opened"))
        assert event.target == f"mismatch:{dup['id']}" and event.after["case_id"] == case["id"]
        assert event.actor == "bureau"
    # answered once: a second review is a conflict naming the case
    again = bx.post(f"/registers/mismatches/{dup['id']}/review", {})
    assert again.status_code == 409 and again.get_json()["open_case_id"] == case["id"]


def test_a_child_not_enrolled_gets_a_door_to_door_visit_with_a_deadline(bx, county, app):
    child = mismatches(bx)[("not_enrolled", "未入学儿童")]
    refused = bx.post(f"/registers/mismatches/{child['id']}/review", {})
    assert refused.status_code == 422 and "visitor" in refused.get_json()["fields"]
    r = bx.post(f"/registers/mismatches/{child['id']}/review", {"visitor": "上寨村 村主任 李明"})
    assert r.status_code == 200, r.get_json()
    case_id = r.get_json()["case_id"]
    with app.app_context():
        due = db.session.scalars(select(Deadline).where(Deadline.case_id == case_id)).all()
        assert [d.status for d in due] == ["open"]
    visits = bx.get("/registers/visits").get_json()["villages"]
    shang = next(v for v in visits if v["village"] == "上寨村")
    assert shang["visits"][0]["visitor"] == "上寨村 村主任 李明" and shang["visits"][0]["due_on"]
    # the finding closes the visit, and the child leaves the list
    step = bx.fire(case_id, "record_finding", "bureau", data={
        "visited_on": app_today(), "finding": "in_school_elsewhere", "evidence": "在外省就读, 回执 2026-001"})
    assert step.status_code == 200 and step.get_json()["state"] == "visit_done", step.get_json()
    assert not any(v["village"] == "上寨村" for v in bx.get("/registers/visits").get_json()["villages"])


def test_dismiss_needs_a_reason_and_evidence_and_is_on_the_admin_event_log(bx, county, app):
    child = mismatches(bx)[("poverty_dropout", "脱贫户儿童")]
    r = bx.post(f"/registers/mismatches/{child['id']}/dismiss", {"reason": "enrolled_outside", "evidence": "在贵阳就读"})
    assert r.status_code == 422 and set(r.get_json()["fields"]) == {"receipt_no"}
    assert bx.post(f"/registers/mismatches/{child['id']}/dismiss", {"reason": "gone"}).status_code == 422
    r = bx.post(f"/registers/mismatches/{child['id']}/dismiss",
                {"reason": "enrolled_outside", "evidence": "在贵阳市某小学就读", "receipt_no": "HZ-2026-0042"})
    assert r.status_code == 200 and r.get_json()["status"] == "dismissed"
    events = bx.get("/admin-events?action=mismatch_dismissed", as_="supervisor").get_json()["items"]
    assert events[0]["after"]["receipt_no"] == "HZ-2026-0042" and events[0]["after"]["reason"] == "enrolled_outside"
    assert bx.post(f"/registers/mismatches/{child['id']}/dismiss",
                   {"reason": "deceased", "evidence": "x"}).status_code == 409


def test_only_the_districts_bureau_officer(bx, county, app, district):
    other_district(app, district)
    one = next(iter(mismatches(bx).values()))["id"]
    for who in ("other_admin", "teacher", "supervisor"):
        assert bx.get("/registers/mismatches", as_=who).status_code == 403
        assert upload(bx, "household", household_csv(), as_=who).status_code == 403
    for path in (f"/registers/mismatches/{one}",):
        assert bx.get(path, as_="bureau2").status_code == 404
    assert bx.post(f"/registers/mismatches/{one}/dismiss", {"reason": "deceased", "evidence": "x"},
                   as_="bureau2").status_code == 404
    assert bx.post(f"/registers/mismatches/{one}/review", {}, as_="bureau2").status_code == 404
    assert bx.get("/registers/mismatches?district=D", as_="bureau2").status_code == 404
    assert upload(bx, "household", household_csv(), as_="bureau2", district="D").status_code == 404
    assert bx.get("/registers/mismatches", as_="bureau2").get_json()["items"] == []
    with app.app_context():
        assert db.session.get(Mismatch, one).status == "open"


def test_bad_rows_are_named_by_line_and_nothing_is_imported(bx, app):
    bad = household_csv(f"{pupil_id_number(2)[:-1]}0,错号,2012-03-03,河口乡,河口村,x",
                        f"{pupil_id_number(4)},错日期,2012-02-30,河口乡,河口村,x",
                        ",无号,2012-03-03,,河口村,x", f"{UNENROLLED},重复,2017-01-01,河口乡,上寨村,x")
    r = upload(bx, "household", bad)
    assert r.status_code == 422
    body = r.get_json()
    rows = {row["line"]: row["errors"] for row in body["rows"]}
    assert body["bad_rows"] == 4 and set(rows) == {7, 8, 9, 10}
    assert rows[7]["id_number"].startswith("身份证号校验位错误 / 身份证号: ")
    assert "出生日期" in rows[8]["birth_date"] and "2012-02-30" in rows[8]["birth_date"]
    assert set(rows[9]) == {"id_number", "township"}
    assert "第 4 行" in rows[10]["id_number"]
    with app.app_context():
        assert db.session.scalar(select(RegisterRow.id)) is None
    missing = upload(bx, "household", "姓名,出生日期\n张三,2015-01-01\n".encode())
    assert missing.status_code == 422 and "身份证号" in missing.get_json()["fields"]["file"]


def test_the_cli_imports_with_a_progress_bar_and_compares(runner, app, district, tmp_path):
    path = tmp_path / "户籍.csv"
    path.write_bytes(household_csv())
    r = runner.invoke(args=["registers", "import", "household", str(path), "--district", "D"])
    assert r.exit_code == 0, r.output
    assert "rows 5: inserted 5, updated 0, deleted 0" in r.output
    r = runner.invoke(args=["registers", "compare", "--district", "D"])
    assert r.exit_code == 0 and "found 1, new 1" in r.output, r.output
    again = runner.invoke(args=["registers", "compare", "--district", "D"])
    assert "new 0, changed 0, resolved 0" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(household_csv("123,坏,2015-01-01,河口乡,,"))
    r = runner.invoke(args=["registers", "import", "household", str(bad), "--district", "D"])
    assert r.exit_code == 1 and "line 7" in r.output


def test_the_register_endpoints_answer_as_documented(bx, county, client, app, district):
    doc = Document(client)
    check = doc.check
    check(upload(bx, "household", household_csv()), "POST", "/registers/{register}/import")
    check(upload(bx, "household", household_csv("x,坏,1,,,")), "POST", "/registers/{register}/import")
    check(upload(bx, "household", household_csv(), as_="teacher"), "POST", "/registers/{register}/import")
    check(bx.post("/registers/compare", {"school_year": 2026}), "POST", "/registers/compare")
    check(bx.post("/registers/compare", {"school_year": 1900}), "POST", "/registers/compare")
    found = mismatches(bx)
    check(bx.get("/registers/mismatches?kind=duplicate&resolved=all"), "GET", "/registers/mismatches")
    check(bx.get("/registers/mismatches?kind=nope"), "GET", "/registers/mismatches")
    one = found[("not_enrolled", "未入学儿童")]["id"]
    check(bx.get(f"/registers/mismatches/{one}"), "GET", "/registers/mismatches/{mismatch_id}")
    check(bx.get("/registers/mismatches/999999"), "GET", "/registers/mismatches/{mismatch_id}")
    check(bx.post(f"/registers/mismatches/{one}/review", {"visitor": "李明"}), "POST",
          "/registers/mismatches/{mismatch_id}/review")
    check(bx.post(f"/registers/mismatches/{one}/review", {"visitor": "李明"}), "POST",
          "/registers/mismatches/{mismatch_id}/review")  # 409
    dup = found[("duplicate", "学生2")]["id"]
    check(bx.post(f"/registers/mismatches/{dup}/dismiss", {"reason": "x"}), "POST",
          "/registers/mismatches/{mismatch_id}/dismiss")
    check(bx.post(f"/registers/mismatches/{dup}/dismiss", {"reason": "duplicate_fixed", "evidence": "已注销"}), "POST",
          "/registers/mismatches/{mismatch_id}/dismiss")
    check(bx.get("/registers/visits"), "GET", "/registers/visits")
    check(bx.post("/registers/figures", {"school_year": 2026, "xueji_other_left": 3, "poverty_dropouts": 1}), "POST",
          "/registers/figures")
    report = check(bx.get("/registers/report?school_year=2026"), "GET", "/registers/report").get_json()
    assert report["three_unified"]["xueji_other_left"] == 3
    assert report["by_township"]["totals"]["total"] == 5
    check(bx.get("/registers/report.xlsx"), "GET", "/registers/report.xlsx")
    check(bx.get("/registers/report", as_="supervisor"), "GET", "/registers/report")


def test_an_xlsx_register_with_excel_dates_and_its_own_headers(bx, app):
    wb = Workbook()
    ws = wb.active
    ws.append(["公民身份号码", "儿童姓名", "出生日期", "乡镇(街道)", "村(社区)", "户主"])
    ws.append([UNENROLLED, "未入学儿童", datetime(2017, 3, 15), "河口乡", "上寨村", "张父"])
    ws.append(["12345", "坏号", "2017年3月15日", "河口乡", "上寨村", "张父"])
    out = io.BytesIO()
    wb.save(out)
    r = upload(bx, "household", out.getvalue(), filename="户籍.xlsx")
    assert r.status_code == 422 and r.get_json()["rows"][0]["line"] == 3
    assert r.get_json()["rows"][0]["errors"]["id_number"].startswith("公民身份号码: 身份证号应为")  # the file's header
    ws.delete_rows(3)
    out = io.BytesIO()
    wb.save(out)
    r = upload(bx, "household", out.getvalue(), filename="户籍.xlsx")
    assert r.status_code == 200 and r.get_json()["inserted"] == 1
