"""Roster import messages a school clerk can act on, through the CLI, the API and the admin page: each
names the column by the header the user's file used (出生日期, not birth_date), a date is read however a
Chinese spreadsheet writes it (2013年1月4日, 2013.1.4, 20130104, an Excel date cell or day number), a
choice lists its accepted values (性别: 应为 男/女), and every message is "中文 / English"."""
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Pupil
from app.roster.cells import header_key, roster_date
from tests.district import number
from tests.web import Browser

HEADER = "学籍号,姓名,性别,出生日期,班级代码,监护人电话,留守儿童\n"
SPELLINGS = ["2013年1月4日", "2013年01月04日", "2013.1.4", "2013/1/4", "2013-1-4", "20130104", "41278",
             "２０１３年１月４日", "2013/1/4 0:00"]
BORN = date(2013, 1, 4)


def _no(i: int) -> str:
    return number(BORN, 100 + i)


def _good_rows() -> list[str]:
    return [f"{_no(i)},学生甲{i},男,{spelling},SA-7-1,,否" for i, spelling in enumerate(SPELLINGS)]


BAD_ROWS = [  # (row, the header its message names, what the message says)
    (f"{_no(50)},乙,X,2013-01-04,SA-7-1,,", "性别", "“X” 不是可选值, 应为 男/女"),
    (f"{_no(51)},丙,女,2013年13月4日,SA-7-1,,", "出生日期", "“2013年13月4日” 不是有效日期, 可写作 2013-01-04、2013年1月4日"),
    (f"{_no(52)},丁,女,,SA-7-1,,", "出生日期", "必填, 此格为空"),
    (f"{_no(53)},戊,女,2013-01-04,NOPE,,", "班级代码", "未知班级或不在您的范围内"),
    (f"{_no(54)},己,女,2013-01-04,SA-7-1,12345,", "监护人电话", "电话号码格式不正确"),
    (f"{_no(55)},庚,女,2013-01-04,SA-7-1,,也许", "留守儿童", "应为 是/否"),
]


def _csv(rows) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def _births(app, numbers) -> dict:
    with app.app_context():
        return dict(db.session.execute(select(Pupil.student_no, Pupil.birth_date)
                                       .where(Pupil.student_no.in_(numbers))).all())


@pytest.mark.parametrize("text", SPELLINGS + ["2013-01-04", "2013年1月4号", "2013-01-04 00:00:00"])
def test_every_common_spelling_of_a_date_is_read(text):
    assert roster_date(text) == BORN


@pytest.mark.parametrize("text", ["2013-13-04", "2013年2月30日", "13/1/4", "二〇一三年一月四日", "abc", "", "123"])
def test_what_is_not_a_date_is_refused(text):
    with pytest.raises(ValueError):
        roster_date(text)


def test_a_header_with_a_required_mark_or_a_note_is_its_column():
    assert header_key("*性别(男/女)") == "性别" and header_key(" 出生日期（年-月-日） ") == "出生日期"


def test_cli_names_the_file_s_headers_and_reads_chinese_dates(app, runner, district, tmp_path):
    path = tmp_path / "花名册.csv"
    path.write_bytes(_csv(_good_rows() + [row for row, _, _ in BAD_ROWS]))
    out = runner.invoke(args=["import", "pupils", str(path)])
    assert out.exit_code == 1, out.output
    assert f"created {len(SPELLINGS)}, updated 0, unchanged 0, failed {len(BAD_ROWS)}" in out.output
    assert set(_births(app, [_no(i) for i in range(len(SPELLINGS))]).values()) == {BORN}
    lines = out.output.splitlines()
    for line_no, (_, header, message) in enumerate(BAD_ROWS, start=len(SPELLINGS) + 2):
        line = next(x for x in lines if x.startswith(f"line {line_no} "))
        assert f"{header}: {message}" in line, line
    for internal in ("birth_date", "class_code", "gender", "This field is required", "Not a valid choice"):
        assert internal not in out.output
    # the English half names the same header and lists the same choices
    assert "性别: “X” is not a choice: must be 男 (M) or 女 (F)" in out.output
    assert "出生日期: required, and the cell is empty" in out.output


def test_api_import_of_a_workbook_reads_date_cells_day_numbers_and_chinese_text(app, bx):
    wb = Workbook()
    ws = wb.active
    ws.append(["*学籍号", "姓名", "性别(男/女)", "出生日期", "班级代码"])
    ws.append([_no(1), "甲", "男", datetime(2013, 1, 4), "SA-7-1"])      # a date cell
    ws.append([_no(2), "乙", "女", 41278, "SA-7-1"])                      # a date typed as its day number
    ws.append([_no(3), "丙", "女", "2013年1月4日", "SA-7-1"])              # text
    ws.append([_no(4), "丁", "不详", "2013/02/30", "SA-7-1"])
    buf = io.BytesIO()
    wb.save(buf)
    r = bx.client.post("/api/v1/students/import", headers=bx.headers("school_admin"),
                       content_type="multipart/form-data", data={"file": (io.BytesIO(buf.getvalue()), "r.xlsx")})
    body = r.get_json()
    assert r.status_code == 200 and (body["created"], body["failed"]) == (3, 1), body
    assert set(_births(app, [_no(1), _no(2), _no(3)]).values()) == {BORN}
    errors = body["errors"][0]["errors"]  # keyed by the API's field names, worded with the file's headers
    assert errors["gender"] == ("性别(男/女): “不详” 不是可选值, 应为 男/女 / 性别(男/女): “不详” is not a choice: "
                                "must be 男 (M) or 女 (F)")
    assert errors["birth_date"].startswith("出生日期: “2013/02/30” 不是有效日期")
    assert " / 出生日期: “2013/02/30” is not a date: write it as 2013-01-04, 2013年1月4日" in errors["birth_date"]


def test_a_missing_column_is_named_as_a_file_would_head_it(bx):
    r = bx.client.post("/api/v1/students/import", headers=bx.headers("school_admin"), content_type="multipart/form-data",
                       data={"file": (io.BytesIO("学籍号,姓名,性别\n".encode()), "r.csv")})
    assert r.status_code == 422
    assert r.get_json()["fields"]["file"] == ("缺少列: 出生日期、班级代码 / missing columns: 出生日期 (birth_date), "
                                              "班级代码 (class_code)")


def test_the_admin_page_shows_the_messages_in_the_reader_s_language(app, district):
    admin = Browser(app, "admin")
    rows = [BAD_ROWS[0][0], BAD_ROWS[1][0], _good_rows()[0]]
    r = admin.post("/admin/import", {"file": (io.BytesIO(_csv(rows)), "roster.csv")})
    page = r.get_data(as_text=True).split('id="import-errors"')[1]
    assert "性别: “X” 不是可选值, 应为 男/女" in page and "出生日期: “2013年13月4日” 不是有效日期" in page
    assert "<code>" not in page and "birth_date" not in page and "gender" not in page
    admin.post("/language", {"lang": "en", "next": "/admin/import"})
    rows = [BAD_ROWS[0][0].replace(_no(50), _no(60))]
    page = admin.post("/admin/import", {"file": (io.BytesIO(_csv(rows)), "roster.csv")}).get_data(as_text=True)
    assert "性别: “X” is not a choice: must be 男 (M) or 女 (F)" in page.split('id="import-errors"')[1]
