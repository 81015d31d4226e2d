"""The ledgers' pages: each ledger with its counts, by school, its strike-offs with the step and the
evidence, the official XLSX; a class teacher is refused and another school's ledger is not found."""
import io

from openpyxl import load_workbook

from tests.web import count_queries


def test_the_ledger_pages_list_filter_and_strike_off(as_, bx):
    case = bx.case_in("reported")
    bx.step(case["id"], "verify", "bureau")
    other = bx.open(bx.district.other_pupil, as_="other_teacher")
    bureau = as_("bureau")
    suspected = bureau.text("/ledgers")
    assert "疑似辍学学生台账" in suspected and f"entry-{other['id']}" in suspected
    assert f"entry-{case['id']}" not in suspected
    confirmed = bureau.text("/ledgers?ledger=confirmed")
    assert f"entry-{case['id']}" in confirmed and "SA中学" in confirmed
    assert f"entry-{other['id']}" not in bureau.text("/ledgers?ledger=suspected&school=SA")
    assert "学生" in bureau.text("/ledgers?ledger=school_age&school=SB")
    for trigger, who in bx.PATH[1:]:
        bx.step(case["id"], trigger, who)
    assert f"entry-{case['id']}" not in bureau.text("/ledgers?ledger=confirmed")
    history = bureau.text("/ledgers?ledger=confirmed&history=1")
    assert "复学" in history and "每周两次补课" in history
    r = bureau.get("/ledgers/confirmed.xlsx?school=SA")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.worksheets[0].cell(row=1, column=1).value == "辍学学生台账"
    assert "SA中学" in str(wb.worksheets[0].cell(row=2, column=1).value)


def test_the_ledger_pages_in_scope(as_, bx):
    bx.open()
    assert as_("teacher").get("/ledgers").status_code == 403
    school = as_("school_admin")
    assert school.get("/ledgers?school=SB").status_code == 404
    assert school.get("/ledgers/suspected.xlsx?school=SB").status_code == 404
    assert school.get("/ledgers?ledger=nothing").status_code == 404
    assert school.get("/ledgers?ledger=school_age&history=1").status_code == 400
    assert "全部" in school.text("/ledgers?ledger=school_age")


def test_the_ledger_page_runs_a_fixed_number_of_queries(app, as_, bx):
    bureau = as_("bureau")
    bx.open()
    with count_queries(app) as few:
        bureau.text("/ledgers")
    for _ in range(3):
        bx.open()
    with count_queries(app) as more:
        bureau.text("/ledgers")
    assert len(more) == len(few)
