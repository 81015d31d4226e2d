"""The three ledgers (三本台账) through the API and the XLSX: counts equal the dashboard's figures and the
sheet's rows, scope, a pupil moving suspected -> confirmed on verify and struck off on re-enrolment
with the step and its evidence shown, and every step off the ledger carrying evidence."""
import io

import pytest
from openpyxl import load_workbook

from app.engine import machine
from app.ledgers.sheet import HEADER_ROW
from tests.registers_helpers import UNENROLLED, household_csv, upload
from tests.test_openapi import Document


def _ledger(bx, ledger, as_="bureau", **args):
    r = bx.get(f"/ledgers/{ledger}", as_=as_, query_string=args)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _sheet_rows(bx, ledger, as_="bureau", sheet=0, **args):
    r = bx.get(f"/ledgers/{ledger}.xlsx", as_=as_, query_string=args)
    assert r.status_code == 200 and r.mimetype.endswith("sheet"), r.get_data()[:200]
    ws = load_workbook(io.BytesIO(r.data)).worksheets[sheet]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    texts = [str(v) for row in cells for v in row if v is not None]
    assert any(t.startswith("填报单位") for t in texts) and any(t.startswith("填报人：") for t in texts)
    assert any(t.startswith("填报日期") for t in texts)
    assert any("签字" in t for t in texts) and any("盖章" in t for t in texts)
    rows = []
    for row in cells[HEADER_ROW:]:
        if all(v is None for v in row) or any(isinstance(v, str) and "签字" in v for v in row):
            break
        rows.append(row)
    return cells[HEADER_ROW - 1], rows


@pytest.fixture
def ledgers(bx):
    """Three cases: one detected (suspected), one reported and verified (confirmed), one in school SB."""
    suspected = bx.open()
    confirmed = bx.case_in("reported")
    bx.step(confirmed["id"], "verify", "bureau")
    other = bx.open(bx.district.other_pupil, as_="other_teacher")
    return {"suspected": suspected, "confirmed": confirmed, "other": other}


def test_counts_equal_the_dashboard_and_the_sheets(bx, ledgers):
    assert upload(bx, "household", household_csv()).status_code == 200
    dash = bx.get("/dashboard").get_json()["ledgers"]
    counts = bx.get("/ledgers").get_json()
    for ledger in ("school_age", "suspected", "confirmed"):
        page = _ledger(bx, ledger, per_page=200)
        _, rows = _sheet_rows(bx, ledger)
        assert dash[ledger] == counts[ledger] == page["total"] == len(page["items"]) == len(rows), ledger
    assert counts["suspected"] == 2 and counts["confirmed"] == 1
    # the 9 pupils of the district are of compulsory age, and the register's child no school lists
    assert counts["school_age"] == 10
    (child,) = [i for i in _ledger(bx, "school_age", per_page=200)["items"] if i["kind"] == "not_enrolled"]
    assert child["school"] is None and child["number"] != UNENROLLED and "*" in child["number"]  # masked


def test_a_school_sees_its_own_and_a_filter_by_school(bx, ledgers):
    mine = _ledger(bx, "suspected", as_="school_admin")
    assert [i["case_id"] for i in mine["items"]] == [ledgers["suspected"]["id"]]
    assert _ledger(bx, "school_age", as_="school_admin")["total"] == 8   # the register's child: the county's
    assert _ledger(bx, "suspected", as_="bureau", school="SB")["total"] == 1
    assert bx.get("/ledgers/suspected", as_="school_admin", query_string={"school": "SB"}).status_code == 404
    assert bx.get("/ledgers/suspected.xlsx", as_="other_admin", query_string={"school": "SA"}).status_code == 404
    assert bx.get("/ledgers/suspected", as_="teacher").status_code == 403
    assert bx.get("/ledgers/nothing").status_code == 404
    dash = bx.get("/dashboard", as_="other_admin").get_json()["ledgers"]
    assert dash["suspected"] == bx.get("/ledgers", as_="other_admin").get_json()["suspected"] == 1


def test_verify_moves_a_pupil_to_confirmed_and_re_enrolment_strikes_them_off(bx):
    case = bx.case_in("reported")
    ids = lambda ledger: [i["case_id"] for i in _ledger(bx, ledger)["items"]]  # noqa: E731
    assert case["id"] in ids("suspected") and case["id"] not in ids("confirmed")
    bx.step(case["id"], "verify", "bureau")
    assert case["id"] not in ids("suspected") and case["id"] in ids("confirmed")
    for trigger, who in bx.PATH[1:]:
        bx.step(case["id"], trigger, who)
    assert case["id"] not in ids("confirmed") and case["id"] not in ids("suspected")
    history = _ledger(bx, "confirmed", history="1")
    (entry,) = [h for h in history["items"] if h["case_id"] == case["id"]]
    assert entry["step"] == "re_enroll" and entry["step_zh"] == "复学" and entry["by"] == "school_admin"
    assert entry["to_state"] == "re_enrolled" and entry["struck_on"]
    evidence = {e["label"]: e["value"] for e in entry["evidence"]}
    assert evidence["补课计划"] == "每周两次补课" and evidence["学籍已恢复"] == "是"
    _, struck = _sheet_rows(bx, "confirmed", sheet=1)
    assert len(struck) == history["total"] == bx.get("/ledgers").get_json()["confirmed_struck"]
    assert any("补课计划" in str(v) for row in struck for v in row)
    # a relapse puts the pupil back on the confirmed ledger; the strike-off stays in its history
    bx.step(case["id"], "relapse", "teacher")
    assert case["id"] in ids("confirmed")


def test_an_off_ramp_strikes_off_with_its_evidence(bx):
    case = bx.open()
    bx.step(case["id"], "close_false_alarm", "bureau")
    (entry,) = _ledger(bx, "suspected", history="1")["items"]
    assert entry["case_id"] == case["id"] and entry["step"] == "close_false_alarm"
    assert {"label": "证明材料", "value": "医院证明"} in entry["evidence"]


def test_every_step_off_the_ledger_requires_its_evidence(app):
    """动态销号: a step leaving an on_ledger state for one that is not carries a form with a required
    reason or evidence field (the off-ramps' 证明材料, re-enrolment's restored record and catch-up plan)."""
    with app.app_context():
        for defn in machine.registered().values():
            listed = set(defn.states_marked("on_ledger"))
            for t in defn.triggers.values():
                if t.dest is None or t.dest in listed or not listed & set(t.sources if t.sources != ("*",) else listed):
                    continue
                assert t.form is not None, t.name
                required = [f.name for f in t.form(meta={"csrf": False})
                            if any(type(v).__name__ in ("DataRequired", "InputRequired") for v in f.validators)]
                assert required, t.name
                assert any(n in ("evidence", "reason", "xueji_restored", "catch_up_plan") for n in required), t.name


def test_the_ledgers_answer_as_documented(bx, ledgers, client):
    doc = Document(client)
    doc.check(bx.get("/ledgers"), "GET", "/ledgers")
    for ledger in ("school_age", "suspected", "confirmed"):
        doc.check(bx.get(f"/ledgers/{ledger}"), "GET", "/ledgers/{ledger}")
    bx.step(ledgers["suspected"]["id"], "close_false_alarm", "bureau")
    doc.check(bx.get("/ledgers/suspected", query_string={"history": "1"}), "GET", "/ledgers/{ledger}")
    doc.check(bx.get("/ledgers/school_age", query_string={"history": "1"}), "GET", "/ledgers/{ledger}")
    doc.check(bx.get("/ledgers/suspected", as_="teacher"), "GET", "/ledgers/{ledger}")
    doc.check(bx.get("/ledgers/suspected.xlsx"), "GET", "/ledgers/{ledger}.xlsx")
