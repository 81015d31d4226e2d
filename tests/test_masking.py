"""Masked roles (supervisor, bureau head, partner) never see a pupil's name, 学籍号, guardians or address —
not even typed into a note — on the timeline (page, JSON, CSV) or the case page's records; the stored
events and the audit chain are untouched."""
import csv
import io

import pytest

from app.privacy import masking
from app.extensions import db
from app.models import Pupil
from tests.web import Browser

MASKED = ["supervisor", "head", "partner"]


@pytest.fixture
def story(app, bx):
    """A case in visiting whose notes name the pupil, the guardian, a classmate and the numbers."""
    with app.app_context():
        p, mate = db.session.get(Pupil, bx.district.pupils[0]), db.session.get(Pupil, bx.district.pupils[1])
        secrets = {"name": p.name, "student_no": p.student_no, "id_number": p.student_no[1:],
                   "guardian": p.guardians[0]["name"], "phone": p.guardians[0]["phone"], "address": p.address,
                   "classmate": mate.name}
    note = (f"{secrets['name']}的母亲{secrets['guardian']}({secrets['phone']})说孩子在{secrets['address']}, "
            f"学籍号{secrets['student_no']}, 身份证{secrets['id_number']}, 常与{secrets['classmate']}一起")
    case = bx.open(bx.district.pupils[0], note=note)
    bx.step(case["id"], "report", "school_admin")
    bx.step(case["id"], "start_visits", "school_admin")
    bx.step(case["id"], "log_visit", "teacher", content=note, met_with=f"{secrets['guardian']}")
    bx.step(case["id"], "invite_partner", "bureau")
    return case["id"], secrets


def assert_clean(text, secrets):
    for what, value in secrets.items():
        assert value not in text, (what, value)


@pytest.mark.parametrize("who", MASKED)
def test_timeline_json_csv_and_pages_are_masked_for_roles_without_need(app, bx, story, who):
    case_id, secrets = story
    body = bx.get(f"/cases/{case_id}/timeline", as_=who).get_json()
    assert body["masked"] is True
    text = str(body)
    assert_clean(text, secrets)
    assert "学**" in text and masking.mask_phone(secrets["phone"]) in text
    assert masking.mask_student_no(secrets["student_no"]) in text  # the pupil card's form
    assert_clean(bx.get(f"/cases/{case_id}/timeline.csv", as_=who).get_data(as_text=True), secrets)
    page = Browser(app, who)
    for path in (f"/cases/{case_id}/timeline", f"/cases/{case_id}/timeline.csv", f"/cases/{case_id}"):
        html = page.text(path)
        assert_clean(html, secrets)
    assert "学**" in page.text(f"/cases/{case_id}")  # the visit record, masked, not left out


def test_roles_that_need_the_data_see_it_and_the_chain_still_verifies(app, bx, story):
    case_id, secrets = story
    body = bx.get(f"/cases/{case_id}/timeline", as_="teacher").get_json()
    assert body["masked"] is False and secrets["phone"] in str(body)
    assert secrets["address"] in Browser(app, "school_admin").text(f"/cases/{case_id}")
    masked = bx.get(f"/cases/{case_id}/timeline", as_="supervisor").get_json()["events"]
    assert [e["hash"] for e in masked] == [e["hash"] for e in body["events"]]
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True
    assert "审计链完整" in Browser(app, "supervisor").text(f"/cases/{case_id}/timeline")


def test_the_masker_replaces_longest_names_first_and_numbers_by_shape():
    m = masking.Masker({"王小明": "王**", "王小": "王*"})
    assert m.text("王小明和王小") == "王**和王*"
    assert m.text("证件 11010519491231002X 电话 13912345678 订单 213912345678901") == (
        "证件 1101**********002X 电话 139****5678 订单 213912345678901")
    assert m({"a": ["王小明", 3], "b": None}) == {"a": ["王**", 3], "b": None}
