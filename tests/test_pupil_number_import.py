"""学籍号 kinds G / L / J through the public surface: POST /students, the roster import (API, CLI, admin
page), a G number's birth date unlike the roster's imported with a warning, and an L number replaced by
a G number keeping the same pupil (and its case) with the old number as history."""
import io
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import AdminEvent, Pupil
from tests.district import number
from tests.web import Browser

HEADER = "student_no,name,gender,birth_date,class_code,previous_student_no\n"
BORN = date(2011, 9, 1)
G = number(BORN, 11)
L = number(BORN, 11, kind="L")
J = number(BORN, 12, kind="J")


def roster(*rows) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def row(no, name="林小雨", born=BORN, klass="SA-7-1", previous=""):
    return f"{no},{name},女,{born.isoformat()},{klass},{previous}"


def api_import(bx, data: bytes, as_="school_admin") -> dict:
    r = bx.client.post("/api/v1/students/import", data={"file": (io.BytesIO(data), "roster.csv")},
                       headers=bx.headers(as_), content_type="multipart/form-data")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def pupil_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Pupil.id)))


def test_all_three_kinds_are_accepted_and_a_wrong_check_digit_is_not(app, bx):
    bad = G[:-1] + ("0" if G[-1] != "0" else "1")
    report = api_import(bx, roster(row(G), row(number(BORN, 13, "L"), name="临时号"), row(J, name="无身份证"),
                                   row(bad, name="错号")))
    assert (report["created"], report["failed"], report["warnings"]) == (3, 1, [])
    assert report["errors"][0]["line"] == 5 and "check digit" in report["errors"][0]["errors"]["student_no"]
    # POST /students: a J number is a pupil's number; a wrong check digit is a 422 naming the field, writes nothing
    before = pupil_count(app)
    r = bx.post("/students", {"student_no": bad, "name": "错号", "gender": "F", "birth_date": BORN.isoformat(),
                              "class_code": "SA-7-1"}, as_="school_admin")
    assert r.status_code == 422 and "student_no" in r.get_json()["fields"] and pupil_count(app) == before
    r = bx.post("/students", {"student_no": number(BORN, 14, "J"), "name": "无证", "gender": "F",
                              "birth_date": BORN.isoformat(), "class_code": "SA-7-1"}, as_="school_admin")
    assert r.status_code == 201 and r.get_json()["warnings"] == {}


def test_a_birth_date_unlike_the_g_numbers_is_imported_with_a_warning(app, bx, runner, tmp_path):
    corrected = date(2011, 9, 3)  # the roster's (corrected) birth date; the ID number still says 09-01
    report = api_import(bx, roster(row(G, born=corrected), row(J, name="无身份证")))
    assert (report["created"], report["failed"]) == (2, 0)
    assert [(w["line"], w["student_no"], list(w["warnings"])) for w in report["warnings"]] == [(2, G, ["birth_date"])]
    assert "2011-09-01" in report["warnings"][0]["warnings"]["birth_date"]
    with app.app_context():
        assert db.session.execute(select(Pupil.birth_date).where(Pupil.student_no == G)).scalar_one() == corrected
    # the CLI: the warning beside the errors, and the import succeeds (exit 0)
    path = tmp_path / "r.csv"
    other = number(date(2011, 5, 5), 21)
    path.write_bytes(roster(row(other, name="王五", born=date(2011, 5, 6)), row("G12", name="坏")))
    out = runner.invoke(args=["import", "pupils", str(path)])
    assert out.exit_code == 1  # the bad row
    assert f"warning: line 2 ({other}): birth_date:" in out.output and "line 3 (G12): student_no" in out.output
    assert "created 1, updated 0, unchanged 0, failed 1, warnings 1" in out.output
    # POST /students: created, the warning in the answer
    r = bx.post("/students", {"student_no": number(date(2011, 4, 4), 22), "name": "赵六", "gender": "M",
                              "birth_date": "2011-04-05", "class_code": "SA-7-1"}, as_="school_admin")
    assert r.status_code == 201 and list(r.get_json()["warnings"]) == ["birth_date"]
    # the admin page shows it beside the errors
    page = Browser(app, "admin").post("/admin/import", {"file": (io.BytesIO(roster(
        row(number(date(2011, 6, 6), 23), name="孙七", born=date(2011, 6, 7)), row("G13", name="坏"))), "r.csv")})
    text = page.get_data(as_text=True)
    assert 'id="import-errors"' in text and 'id="import-warnings"' in text
    assert "2011-06-06" in text.split('id="import-warnings"')[1]


def test_an_l_number_replaced_by_a_g_number_keeps_the_pupil_and_its_case(app, bx, runner, tmp_path):
    assert api_import(bx, roster(row(L)))["created"] == 1
    with app.app_context():
        pupil_id = db.session.execute(select(Pupil.id).where(Pupil.student_no == L)).scalar_one()
    case = bx.open(pupil_id)
    assert bx.case(case["id"], as_="teacher")["pupil"]["student_no"] == L
    before = pupil_count(app)

    path = tmp_path / "g.csv"  # the CLI, with the Chinese header 旧学籍号
    path.write_bytes(("学籍号,姓名,性别,出生日期,班级代码,旧学籍号\n" + row(G, previous=L) + "\n").encode())
    out = runner.invoke(args=["import", "pupils", str(path)])
    assert out.exit_code == 0 and "created 0, updated 1, unchanged 0, failed 0" in out.output, out.output
    assert pupil_count(app) == before  # the same pupil, not a new one

    shown = bx.case(case["id"], as_="teacher")
    assert shown["pupil"]["id"] == pupil_id and shown["pupil"]["student_no"] == G
    events = bx.get(f"/students/{pupil_id}/history", as_="school_admin").get_json()["events"]
    assert events[-1]["changes"]["student_no"] == [L, G] and events[-1]["import"]["via"] == "cli"
    masked = bx.get(f"/students/{pupil_id}/history", as_="supervisor").get_json()["events"]
    assert L not in str(masked) and masked[-1]["changes"]["student_no"][0].startswith("L522")

    # the old number still finds the pupil: search, the case list, POST, a later import
    assert [p["id"] for p in bx.get(f"/students?q={L}", as_="school_admin").get_json()["items"]] == [pupil_id]
    found = bx.post("/cases/search", {"q": L}, as_="school_admin")  # posted: no 学籍号 in URLs
    assert found.status_code == 200 and [c["id"] for c in found.get_json()["items"]] == [case["id"]]
    roster_search = Browser(app, "teacher").post("/cases/new", {"find": "1", "q": L})  # the new-case page's
    assert f'name="student_id" value="{pupil_id}"' in roster_search.get_data(as_text=True)
    r = bx.post("/students", {"student_no": L, "name": "林小雨", "gender": "F", "birth_date": BORN.isoformat(),
                              "class_code": "SA-7-1"}, as_="school_admin")
    assert r.status_code == 409 and pupil_count(app) == before
    stale = api_import(bx, roster(row(L, name="林小雨新")))  # an old roster under the L number
    assert (stale["created"], stale["updated"]) == (0, 1)
    assert list(stale["warnings"][0]["warnings"]) == ["student_no"] and G in stale["warnings"][0]["warnings"]["student_no"]
    with app.app_context():
        p = db.session.get(Pupil, pupil_id)
        assert (p.student_no, p.name) == (G, "林小雨新")
    again = api_import(bx, roster(row(G, name="林小雨新", previous=L)))  # idempotent
    assert (again["created"], again["updated"], again["unchanged"], again["failed"]) == (0, 0, 1, 0)


def test_replacing_numbers_is_refused_where_it_would_be_wrong(app, bx):
    other = number(date(2011, 2, 2), 31, kind="L")
    api_import(bx, roster(row(L), row(other, name="另一人", born=date(2011, 2, 2))))
    new, new_old = number(date(2011, 3, 3), 32), number(date(2011, 3, 3), 32, "L")
    report = api_import(bx, roster(
        row(G, previous=G),                                                   # itself
        row(other, name="另一人", born=date(2011, 2, 2), previous=L),         # both registered, two pupils
        row(new, name="新生", born=date(2011, 3, 3), previous=new_old),       # old number unknown: ignored
        row(G, previous=L),                                                   # L again in this file (line 3)
    ))
    fields = {e["line"]: e["errors"] for e in report["errors"]}
    assert sorted(fields) == [2, 3, 5]
    assert "the same as student_no" in fields[2]["previous_student_no"]
    assert "another pupil" in fields[3]["previous_student_no"]
    assert "duplicate" in fields[5]["student_no"] and "line 3" in fields[5]["student_no"]
    assert (report["created"], report["updated"]) == (1, 0)
    assert [(w["line"], list(w["warnings"])) for w in report["warnings"]] == [(4, ["previous_student_no"])]
    with app.app_context():  # nothing replaced
        assert set(db.session.execute(select(Pupil.student_no)).scalars()) >= {L, other, new}
        assert db.session.scalar(select(func.count(Pupil.id)).where(Pupil.student_no == G)) == 0
    # an old number replaced once cannot be replaced again by a third number
    assert api_import(bx, roster(row(G, previous=L)))["updated"] == 1
    third = api_import(bx, roster(row(number(BORN, 51), previous=L)))
    assert third["created"] == 0 and "already replaced" in third["errors"][0]["errors"]["previous_student_no"]


def test_another_schools_pupil_by_old_or_new_number_is_refused_for_that_row(app, bx, district):
    assert api_import(bx, roster(row(L)))["created"] == 1
    assert api_import(bx, roster(row(G, previous=L)))["updated"] == 1  # L is now a former number of SA's pupil
    with app.app_context():
        before = db.session.execute(select(Pupil.student_no, Pupil.name).where(Pupil.student_no == G)).one()
    third = number(BORN, 41)
    for line in (row(L, name="冒名", klass="SB-7-1"),                   # by the old number
                 row(third, name="冒名", klass="SB-7-1", previous=G),   # replacing the new one
                 row(G, name="冒名", klass="SB-7-1")):                  # by the new number
        report = api_import(bx, roster(line), as_="other_admin")
        assert report["created"] == report["updated"] == 0 and report["failed"] == 1
        (field, message), = report["errors"][0]["errors"].items()
        assert field == ("previous_student_no" if "," + G in line else "student_no")
        assert "another school" in message
        assert line.startswith(G) or G not in str(report)  # SA's pupil's new number is not revealed
    with app.app_context():
        assert db.session.execute(select(Pupil.student_no, Pupil.name).where(Pupil.student_no == G)).one() == before
        assert db.session.scalar(select(func.count(Pupil.id)).where(Pupil.student_no == third)) == 0
        logged = db.session.execute(select(AdminEvent.after).where(AdminEvent.action == "student_no_collision")
                                    ).scalars().all()
        assert sorted(a["student_no"] for a in logged) == sorted([L, G, G])


def test_j_and_former_numbers_are_masked_for_the_roles_with_masked_cards(app, bx):
    from app.privacy.redaction import redact
    assert api_import(bx, roster(row(J, name="无身份证", born=date(2011, 9, 1))))["created"] == 1
    with app.app_context():
        pupil_id = db.session.execute(select(Pupil.id).where(Pupil.student_no == J)).scalar_one()
    stranger = number(date(2010, 1, 2), 61, kind="J")  # a J number the roster does not know
    case = bx.open(pupil_id, note=f"学籍号 {J}, 同村 {stranger} 也未到校")
    seen = str(bx.get(f"/cases/{case['id']}/timeline", as_="supervisor").get_json())
    assert J not in seen and stranger not in seen
    assert J[:4] + "*" * 11 + J[-4:] in seen and stranger[:4] + "*" * 11 + stranger[-4:] in seen
    assert J in str(bx.get(f"/cases/{case['id']}/timeline", as_="teacher").get_json())  # who needs it sees it
    assert J not in redact(f"GET /x?id={J} {stranger.lower()}") and stranger.lower() not in redact(stranger.lower())
