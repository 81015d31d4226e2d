"""四查三比对 pages: import, compare, the list, one mismatch's review and dismissal, the 摸排 list, the report."""
import io

from sqlalchemy import select

from app.extensions import db
from app.models import Mismatch
from tests.registers_helpers import UNENROLLED, add_duplicate, household_csv, other_district, poverty_csv


def _load(as_, app, district):
    bureau = as_("bureau")
    for register, data in (("household", household_csv()), ("poverty", poverty_csv())):
        r = bureau.post(f"/registers/import/{register}", {"file": (io.BytesIO(data), f"{register}.csv")},
                        content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)[:400]
    add_duplicate(app, district)
    assert bureau.post("/registers/compare").status_code == 302
    with app.app_context():
        return {m.kind + ":" + m.name: m.id for m in db.session.scalars(select(Mismatch))}


def test_the_pages_import_compare_review_and_dismiss(as_, app, district):
    ids = _load(as_, app, district)
    bureau = as_("bureau")
    home = bureau.text("/registers")
    assert "适龄未入学：1" in home and "四查三比对" in home
    listing = bureau.text("/registers/mismatches")
    assert "未入学儿童" in listing and UNENROLLED not in listing  # masked in the list
    assert "脱贫户儿童" in bureau.text("/registers/mismatches?kind=poverty_dropout")
    child = ids["not_enrolled:未入学儿童"]
    page = bureau.text(f"/registers/mismatches/{child}")
    assert UNENROLLED in page and "派发摸排" in page
    refused = bureau.post(f"/registers/mismatches/{child}/review", {"visitor": ""})
    assert refused.status_code == 422
    r = bureau.post(f"/registers/mismatches/{child}/review", {"visitor": "村主任 李明"})
    assert r.status_code == 302 and "/cases/" in r.headers["Location"]
    visits = bureau.text("/registers/visits")
    assert "村主任 李明" in visits and "上寨村" in visits
    dup = ids["duplicate:学生2"]
    bad = bureau.post(f"/registers/mismatches/{dup}/dismiss", {"reason": "enrolled_outside", "evidence": "x"})
    assert bad.status_code == 422 and "回执编号" in bad.get_data(as_text=True)
    ok = bureau.post(f"/registers/mismatches/{dup}/dismiss", {"reason": "duplicate_fixed", "evidence": "已注销 L 号"})
    assert ok.status_code == 302
    assert "已排除" in bureau.text(f"/registers/mismatches/{dup}")
    report = bureau.text("/registers/report")
    assert "河口乡" in report and "三统一" in report
    saved = bureau.post("/registers/report", {"school_year": "2026", "xueji_other_left": "2", "poverty_dropouts": "1"})
    assert saved.status_code == 200
    xlsx = bureau.get("/registers/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert "比对结果排除" in as_("supervisor").text("/audit/admin-events")


def test_bad_rows_are_listed_on_the_page(as_, app, district):
    r = as_("bureau").post("/registers/import/household",
                           {"file": (io.BytesIO(household_csv("123,坏,2015-01-01,河口乡,,")), "h.csv")},
                           content_type="multipart/form-data")
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'id="import-errors"' in body and "<td>7</td>" in body


def test_other_roles_and_districts_are_refused(as_, app, district):
    ids = _load(as_, app, district)
    any_id = next(iter(ids.values()))
    assert as_("school_admin").get("/registers").status_code == 403
    assert as_("teacher").get(f"/registers/mismatches/{any_id}").status_code == 403
    other_district(app, district)
    stranger = as_("bureau2")
    assert stranger.get(f"/registers/mismatches/{any_id}").status_code == 404
    assert stranger.post(f"/registers/mismatches/{any_id}/dismiss",
                         {"reason": "deceased", "evidence": "x"}).status_code == 404
    assert stranger.get("/registers?district=D").status_code == 404


def test_dispatch_sends_a_visit_to_every_child_of_a_township(as_, app, district):
    ids = _load(as_, app, district)
    bureau = as_("bureau")
    assert bureau.post("/registers/visits/dispatch", {"visitor": "", "township": "河口乡"}).status_code == 303
    r = bureau.post("/registers/visits/dispatch", {"visitor": "包村干部 王强", "township": "河口乡"})
    assert r.status_code == 302
    with app.app_context():
        child = db.session.get(Mismatch, ids["not_enrolled:未入学儿童"])   # 河口乡: sent
        other = db.session.get(Mismatch, ids["poverty_dropout:脱贫户儿童"])  # 城关镇: not
        assert child.status == "case_opened" and child.case_id and other.status == "open"
    assert "包村干部 王强" in bureau.text("/registers/visits?township=河口乡")
