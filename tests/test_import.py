"""Roster import (CLI and API): every bad row reported by line and reason; re-running changes nothing."""
import io

from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Pupil
from tests.district import _pupil  # noqa: F401  (the district fixture's pupils exist already)
from tests.district import number

HEADER = "student_no,name,gender,birth_date,class_code,guardian_name,guardian_phone,address,economic_hardship\n"
GOOD = [
    "G522601201109010012,王小明,男,2011-09-01,SA-7-1,王建华,13800001111,河口村3号,是",
    "G522601201103150022,李小红,F,2011/3/15,SA-7-2,李秀英,0851-2345678,石门村8号,0",
]
BAD = [
    ("G12345,张三,男,2011-01-01,SA-7-1,,,,", "student_no"),                         # 学籍号 format
    ("G522601201109010020,赵四,男,2011-13-01,SA-7-1,,,,", "birth_date"),            # impossible date
    ("G522601201101010034,钱五,男,2011-01-01,NOPE,,,,", "class_code"),              # unknown class
    ("G522601201101010042,孙六,X,2011-01-01,SA-7-1,,,,", "gender"),
    ("G522601201101010051,周七,男,2011-01-01,SA-7-1,,,,", "student_no"),            # wrong check digit
    ("G522601201101010069,吴八,男,2011-01-01,SA-7-1,吴,12345,,", "guardian_phone"),
    ("G522601201101010077,郑九,男,2011-01-01,SA-7-1,,,,maybe", "economic_hardship"),
    ("G522601201109010012,王小明重复,男,2011-09-01,SA-7-1,,,,", "student_no"),      # duplicate in file
]


def roster(rows) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def pupils(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Pupil.id)))


def test_cli_import_reports_each_bad_row_and_is_idempotent(app, runner, district, tmp_path):
    before = pupils(app)
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(GOOD + [b for b, _ in BAD]))
    out = runner.invoke(args=["import", "pupils", str(path)])
    assert out.exit_code == 1  # some rows failed
    for line, (_, field) in enumerate(BAD, start=len(GOOD) + 2):
        assert f"line {line} " in out.output and field in out.output.split(f"line {line} ")[1].split("\n")[0]
    assert "created 2, updated 0, unchanged 0, failed 8" in out.output
    assert pupils(app) == before + 2
    again = runner.invoke(args=["import", "pupils", str(path)])
    assert "created 0, updated 0, unchanged 2, failed 8" in again.output
    assert pupils(app) == before + 2
    with app.app_context():
        p = db.session.execute(select(Pupil).where(Pupil.student_no == GOOD[1].split(",")[0])).scalar_one()
        assert (p.gender, p.birth_date.isoformat(), p.economic_hardship) == ("F", "2011-03-15", False)
        assert p.guardians == [{"name": "李秀英", "phone": "0851-2345678", "relation": ""}]


def test_changed_row_updates_the_pupil(app, runner, district, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(GOOD))
    runner.invoke(args=["import", "pupils", str(path)])
    path.write_bytes(roster([GOOD[0].replace("河口村3号", "城关镇东街5号")]))
    out = runner.invoke(args=["import", "pupils", str(path)])
    assert out.exit_code == 0 and "created 0, updated 1, unchanged 0, failed 0" in out.output


def test_xlsx_with_chinese_headers_and_gbk_csv(app, runner, district, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["学籍号", "姓名", "性别", "出生日期", "班级代码", "监护人", "监护人电话"])
    from datetime import datetime
    ws.append(["G522601201109010012", "王小明", "男", datetime(2011, 9, 1), "SA-7-1", "王建华", 13800001111])
    ws.append(["bad", "错", "男", "2011-09-01", "SA-7-1", None, None])
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    out = runner.invoke(args=["import", "pupils", str(path)])
    assert "created 1" in out.output and "line 3 (bad): 学籍号" in out.output  # the file's own header
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(roster([GOOD[1]]).decode().encode("gb18030"))
    out = runner.invoke(args=["import", "pupils", str(gbk)])
    assert out.exit_code == 0 and "created 1" in out.output


def test_file_level_problems_are_clear(runner, district, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"name,gender\n")
    out = runner.invoke(args=["import", "pupils", str(path)])
    assert out.exit_code == 1 and "missing columns: 学籍号 (student_no)" in out.output
    other = tmp_path / "roster.txt"
    other.write_bytes(b"x")
    assert "only .csv and .xlsx" in runner.invoke(args=["import", "pupils", str(other)]).output


def test_api_import_is_scoped_and_reports_rows(app, bx):
    data = roster(GOOD)  # GOOD[1] is SA-7-2: in school SA's scope, not SB's
    r = bx.client.post("/api/v1/students/import", data={"file": (io.BytesIO(data), "roster.csv")},
                       headers=bx.headers("other_admin"), content_type="multipart/form-data")
    assert r.status_code == 200
    body = r.get_json()
    assert body["created"] == 0 and [e["line"] for e in body["errors"]] == [2, 3]
    assert "class_code" in body["errors"][0]["errors"]
    r = bx.client.post("/api/v1/students/import", data={"file": (io.BytesIO(data), "roster.csv")},
                       headers=bx.headers("school_admin"), content_type="multipart/form-data")
    assert r.get_json()["created"] == 2
    assert bx.post("/students/import", None, as_="teacher").status_code == 403
    r = bx.client.post("/api/v1/students/import", headers=bx.headers("school_admin"))
    assert r.status_code == 422 and "file" in r.get_json()["fields"]


def test_api_student_create_and_search(bx):
    body = {"student_no": "G522601201109010012", "name": "王小明", "gender": "M", "birth_date": "2011-09-01",
            "class_code": "SA-7-1", "guardian_name": "王建华", "guardian_phone": "13800001111",
            "economic_hardship": True}
    r = bx.post("/students", body, as_="school_admin")
    assert r.status_code == 201, r.get_json()
    assert bx.post("/students", body, as_="school_admin").status_code == 409
    r = bx.post("/students", {**body, "student_no": "G522601201109010020", "class_code": "SB-7-1"},
                as_="school_admin")
    assert r.status_code == 422 and "class_code" in r.get_json()["fields"]
    r = bx.post("/students", {**body, "birth_date": 5}, as_="school_admin")
    assert r.status_code == 422 and "birth_date" in r.get_json()["fields"]
    found = bx.get("/students?q=王小", as_="teacher").get_json()
    assert found["total"] == 1 and found["items"][0]["student_no"].startswith("G522")
    assert "*" in found["items"][0]["student_no"]  # masked in lists
    assert bx.get("/students?q=王小", as_="other_teacher").get_json()["total"] == 0
    assert bx.get("/students?q=%25", as_="teacher").get_json()["total"] == 0  # LIKE wildcards are literal


def test_large_import_shows_progress_and_batches(app, runner, district, tmp_path):
    import random
    from datetime import date

    from demo.district import student_no
    rng = random.Random(1)
    rows = [f"{student_no(rng, date(2011, 1, 1 + i % 28), i)},学生{i},男,2011-01-{1 + i % 28:02d},SA-7-1,,,,"
            for i in range(1200)]
    path = tmp_path / "big.csv"
    path.write_bytes(roster(rows))
    out = runner.invoke(args=["import", "pupils", str(path), "--batch-size", "500"])
    assert "created 1200" in out.output, out.output[-500:]


# --- scope: an import writes only pupils its importer's scope holds, and never across schools ------

def _other_pupil(app, district) -> dict:
    """SB's pupil, given a 学籍号 that agrees with its birth date (as a real roster row must)."""
    with app.app_context():
        p = db.session.get(Pupil, district.other_pupil)
        p.student_no = number(p.birth_date, 20)
        db.session.commit()
        return {"student_no": p.student_no, "birth_date": p.birth_date.isoformat(), "name": p.name,
                "guardians": p.guardians, "class_id": p.class_id}


def _stored(app, pupil_id) -> tuple:
    from app.models import PupilEvent
    with app.app_context():
        p = db.session.get(Pupil, pupil_id)
        events = db.session.scalar(select(func.count(PupilEvent.id)).where(PupilEvent.pupil_id == pupil_id))
        return p.name, p.guardians, p.class_id, p.address, events


def _hijack_row(other: dict, klass: str = "SA-7-1") -> str:
    """The reported attack: another school's pupil number, renamed, a new guardian phone, the importer's class."""
    return f"{other['student_no']},冒名顶替,男,{other['birth_date']},{klass},冒名家长,13999999999,别处1号,0"


def test_api_import_cannot_touch_another_schools_pupil(app, bx, district):
    other = _other_pupil(app, district)
    before = _stored(app, district.other_pupil)
    r = bx.client.post("/api/v1/students/import", headers=bx.headers("school_admin"),
                       content_type="multipart/form-data",
                       data={"file": (io.BytesIO(roster([_hijack_row(other), GOOD[0]])), "roster.csv")})
    assert r.status_code == 200
    body = r.get_json()
    assert (body["created"], body["updated"], body["failed"]) == (1, 0, 1)
    assert body["errors"] == [{"line": 2, "student_no": other["student_no"], "errors": {
        "student_no": "student_no: 该学生属于其他学校, 请办理转学 / student_no: belongs to another school; ask for a "
                      "transfer"}}]  # the column named by the file's own header
    text = r.get_data(as_text=True)
    assert other["name"] not in text and other["guardians"][0]["phone"] not in text  # reveals nothing
    assert _stored(app, district.other_pupil) == before  # not renamed, phone kept, still in SB, no event
    # the attempt is on the admin-event log for supervisors (masked), with the import it came from
    events = bx.get("/admin-events?action=student_no_collision", as_="supervisor").get_json()["items"]
    assert [(e["actor"], e["after"]["via"]) for e in events] == [("school_admin", f"import:{body['import_id']}")]
    assert other["student_no"] not in str(events)


def test_admin_page_import_cannot_move_a_pupil_to_another_school(app, district):
    from tests.web import Browser
    other = _other_pupil(app, district)
    before = _stored(app, district.other_pupil)
    r = Browser(app, "admin").post("/admin/import", {"file": (io.BytesIO(roster([_hijack_row(other)])), "r.csv")})
    rows = r.get_data(as_text=True).split('id="import-errors"')[1]
    assert r.status_code == 200 and "<td>2</td>" in rows and "转到其他学校须办理转学" in rows
    assert _stored(app, district.other_pupil) == before


def test_no_importer_moves_a_pupil_across_schools_but_a_class_change_is_fine(app, bx, runner, district, tmp_path):
    other = _other_pupil(app, district)
    path = tmp_path / "r.csv"
    path.write_bytes(roster([_hijack_row(other)]))
    out = runner.invoke(args=["import", "pupils", str(path)])
    assert out.exit_code == 1 and "line 2" in out.output and "is a transfer" in out.output
    r = bx.client.post("/api/v1/students/import", headers=bx.headers("bureau"), content_type="multipart/form-data",
                       data={"file": (io.BytesIO(roster([_hijack_row(other)])), "roster.csv")})
    assert r.get_json()["errors"][0]["errors"] == {
        "class_code": "class_code: 转到其他学校须办理转学, 不能通过导入 / class_code: moving a pupil to another school is "
                      "a transfer, not an import"}
    before = _stored(app, district.other_pupil)
    assert before[2] == other["class_id"]
    # within SB, a new class and a new phone are an ordinary update (by SB's own school admin)
    same_school = _hijack_row(other, klass="SB-7-2")
    r = bx.client.post("/api/v1/students/import", headers=bx.headers("other_admin"),
                       content_type="multipart/form-data", data={"file": (io.BytesIO(roster([same_school])), "r.csv")})
    assert (r.get_json()["updated"], r.get_json()["failed"]) == (1, 0)
    name, guardians, class_id, _, events = _stored(app, district.other_pupil)
    assert name == "冒名顶替" and guardians[0]["phone"] == "13999999999" and class_id != other["class_id"]
    assert events == 1


# --- a batch the database refuses falls back to row by row -------------------------------------------

REFUSE_PG = ["""CREATE OR REPLACE FUNCTION test_refuse_pupil() RETURNS trigger AS $$
                BEGIN IF NEW.name = '坏行' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END
                $$ LANGUAGE plpgsql""",
             "CREATE TRIGGER test_refuse_pupil BEFORE INSERT ON pupils FOR EACH ROW EXECUTE FUNCTION test_refuse_pupil()"]
REFUSE_SQLITE = ["""CREATE TRIGGER test_refuse_pupil BEFORE INSERT ON pupils WHEN NEW.name = '坏行'
                    BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"""]


def test_a_row_the_database_refuses_fails_alone(app, runner, district, tmp_path):
    """A real database error on one row of a batch (a trigger refusing it): the good rows are kept."""
    import sqlalchemy as sa

    from app.models import ImportRun, PupilEvent
    with app.app_context():
        pg = db.engine.dialect.name == "postgresql"
        with db.engine.begin() as conn:
            for statement in REFUSE_PG if pg else REFUSE_SQLITE:
                conn.execute(sa.text(statement))
    try:
        bad = "G522601201101010085,坏行,男,2011-01-01,SA-7-1,,,,"
        path = tmp_path / "roster.csv"
        path.write_bytes(roster([GOOD[0], bad, GOOD[1]]))
        before = pupils(app)
        out = runner.invoke(args=["import", "pupils", str(path), "--batch-size", "10"])
        assert out.exit_code == 1
        assert "created 2, updated 0, unchanged 0, failed 1" in out.output
        assert "line 3 (G522601201101010085): 数据库拒绝写入此行 / the database refused this row" in out.output
        assert pupils(app) == before + 2
        with app.app_context():
            assert db.session.scalar(select(func.count(PupilEvent.id))) == 2  # an event per kept row, none else
            run = db.session.execute(select(ImportRun)).scalar_one()
            assert (run.rows, run.created, run.failed, run.filename, run.actor) == (3, 2, 1, "roster.csv", "cli")
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS test_refuse_pupil" + (" ON pupils" if pg else "")))
