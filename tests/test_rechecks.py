"""The county's quarterly re-check (抽查复验) through the API, the command line and the page: a quarter's
draw samples only the pupils struck off in that quarter in that district, reproducibly by its seed, once;
a result of "not confirmed" opens a suspected dropout case; out of scope is 404, another role 403, a bad
quarter 422 naming it."""
import random
from datetime import date

import pytest

from app import clock
from app.auth import tokens
from app.auth.scope import unit_by_code
from app.district.org import add_unit, add_user
from app.extensions import db
from app.models import AdminEvent, Pupil
from tests.district import _pupil
from tests.test_openapi import Document
from tests.web import Browser

Q3_DAY, Q4_DAY, DRAW_DAY = date(2026, 9, 15), date(2026, 10, 15), date(2026, 12, 1)


def struck_off(bx, pupil_id, day, as_="teacher"):
    """A suspected case opened and closed as a false alarm on `day`: the pupil struck off that day."""
    bx.at_day(day)
    case = bx.open(pupil_id, as_=as_, detected_on=day.isoformat())
    r = bx.fire(case["id"], "close_false_alarm", "e_bureau" if as_ == "e_teacher" else "bureau",
                version=case["version"])
    assert r.status_code == 200, r.get_json()
    return case["id"]


def make_other_district(app, bx) -> int:
    """A second district E with a school, a pupil (its id returned) and its own bureau officer and class
    teacher."""
    with app.app_context():
        add_unit("E", "另一区教育局", "district", commit=False)
        add_unit("SE", "SE中学", "school", "E", 900, commit=False)
        add_unit("SE-7", "七年级", "grade", "SE", 300, commit=False)
        add_unit("SE-7-1", "七年级1班", "class", "SE-7", 45, commit=False)
        users = {n: add_user(n, role, "E" if role == "bureau_officer" else "SE-7-1", commit=False)
                 for n, role in (("e_bureau", "bureau_officer"), ("e_teacher", "class_teacher"))}
        db.session.commit()
        pupil = _pupil(30, unit_by_code("SE-7-1").id)
        db.session.add(pupil)
        db.session.commit()
        bx.district.tokens.update({n: tokens.issue(u) for n, u in users.items()})
        return pupil.id


def make_quarter(app, bx) -> dict:
    """Seven pupils of D struck off in 2026-Q4, one in Q3 (only), one of E in Q4; then the draw's day."""
    other_district = make_other_district(app, bx)
    pupils = bx.district.pupils + [bx.district.other_pupil]
    struck_off(bx, pupils[0], Q3_DAY)
    q4 = [pupils[i] for i in range(1, 8)]
    for pupil in q4:
        struck_off(bx, pupil, Q4_DAY, as_="other_teacher" if pupil == bx.district.other_pupil else "teacher")
    struck_off(bx, other_district, Q4_DAY, as_="e_teacher")
    bx.at_day(DRAW_DAY)
    return {"q3": pupils[0], "q4": q4, "e": other_district}


@pytest.fixture
def quarter(app, bx):
    return make_quarter(app, bx)


def draw(bx, as_="bureau", **body):
    return bx.post("/rechecks/draw", {"quarter": "2026-Q4", **body}, as_=as_)


def test_a_draw_samples_the_quarters_struck_off_pupils_of_the_district_by_its_seed(bx, quarter):
    r = draw(bx, seed=12345)
    assert r.status_code == 201, r.get_json()
    got = r.get_json()
    d = got["draw"]
    # 10 % of 7 is less than the minimum of 5: five drawn, out of exactly the Q4 pupils of district D
    assert d["population"] == 7 and d["seed"] == 12345 and d["share"] == 10 and len(d["drawn"]) == 5
    assert set(d["drawn"]) <= set(quarter["q4"]) and quarter["q3"] not in d["drawn"] and quarter["e"] not in d["drawn"]
    # reproducible: the population sorted by id, sampled with the recorded seed
    assert d["drawn"] == random.Random(12345).sample(sorted(quarter["q4"]), 5)
    assert [c["pupil_id"] for c in got["checks"]] == d["drawn"]
    assert all(c["case_id"] and c["state"] == "awaiting_recheck" and not c["final"] for c in got["checks"])
    case = bx.case(got["checks"][0]["case_id"])
    assert case["workflow"] == "recheck" and {d_["clock"] for d_ in case["open_deadlines"]} == {"recheck_due"}
    # again: the earlier draw, nothing drawn or opened twice
    again = draw(bx, seed=999)
    assert again.status_code == 200 and again.get_json() == got
    listed = bx.get("/rechecks", query_string={"quarter": "2026-Q4"})
    assert listed.status_code == 200 and listed.get_json() == got
    with bx.app.app_context():
        (event,) = db.session.query(AdminEvent).filter_by(action="recheck_drawn").all()
        assert event.actor == "bureau" and event.target == "D:2026-Q4" and event.after["drawn"] == d["drawn"]


def test_all_are_drawn_when_fewer_than_five_and_the_share_is_configurable(bx, quarter):
    r = bx.post("/rechecks/draw", {"quarter": "2026-Q3"})
    assert r.status_code == 201 and r.get_json()["draw"]["drawn"] == [quarter["q3"]]
    r = draw(bx, share=100)
    assert r.status_code == 201 and sorted(r.get_json()["draw"]["drawn"]) == sorted(quarter["q4"])
    e = draw(bx, as_="e_bureau")
    assert e.status_code == 201 and e.get_json()["draw"]["drawn"] == [quarter["e"]]
    assert e.get_json()["district"] == "E"


def test_a_result_not_confirmed_opens_a_suspected_case(bx, quarter):
    checks = draw(bx, seed=1).get_json()["checks"]
    first, second = checks[0], checks[1]
    result = {"checked_on": DRAW_DAY.isoformat(), "method": "visit", "evidence": "入户未见学生, 家长称已外出务工"}
    for check, trigger, data in ((first, "reject_recheck", result), (second, "confirm_recheck", {
            **result, "method": "school_check", "evidence": "到校见到学生"})):
        r = bx.fire(check["case_id"], trigger, "bureau", data=data)
        assert r.status_code == 200, r.get_json()
    cases = bx.get("/cases", query_string={"per_page": 200}).get_json()["items"]
    suspected = lambda pupil: [c for c in cases if c["workflow"] == "dropout" and c["state"] == "detected"  # noqa: E731
                               and c["pupil"]["id"] == pupil]
    (reopened,) = suspected(first["pupil_id"])
    assert reopened["source"] == "recheck" and reopened["detected_on"] == DRAW_DAY.isoformat()
    assert not suspected(second["pupil_id"])
    listed = bx.get("/rechecks", query_string={"quarter": "2026-Q4"}).get_json()
    states = {c["pupil_id"]: c["state"] for c in listed["checks"]}
    assert states[first["pupil_id"]] == "recheck_not_confirmed" and states[second["pupil_id"]] == "recheck_confirmed"
    assert listed["done"] == 2
    # the result's form is checked: a method it does not know, no evidence
    bad = bx.fire(checks[2]["case_id"], "confirm_recheck", "bureau", data={"checked_on": DRAW_DAY.isoformat(),
                                                                           "method": "guess"})
    assert bad.status_code == 422 and {"method", "evidence"} <= set(bad.get_json()["fields"])


def test_scope_role_and_quarter_are_checked(bx, quarter):
    assert draw(bx, district="E").status_code == 404                       # another district's
    assert bx.get("/rechecks", query_string={"quarter": "2026-Q4", "district": "E"}).status_code == 404
    assert draw(bx, as_="school_admin", district="D").status_code == 404   # D is not theirs, their school is
    for role in ("head", "school_admin", "teacher"):
        assert draw(bx, as_=role).status_code == 403, role
    assert bx.get("/rechecks", as_="head", query_string={"quarter": "2026-Q4"}).status_code == 403
    for bad in ("2026-13", "2026-Q5", "Q4", "", 2026):
        r = bx.post("/rechecks/draw", {"quarter": bad})
        assert r.status_code == 422 and "quarter" in r.get_json()["fields"], bad
    r = bx.get("/rechecks", query_string={"quarter": "2026-10"})
    assert r.status_code == 422 and "quarter" in r.get_json()["fields"]
    assert draw(bx, share=0).status_code == 422
    assert bx.get("/rechecks", query_string={"quarter": "2026-Q4"}).get_json()["draw"] is None  # nothing written


def test_the_command_draws_once_with_a_progress_bar(app, bx, quarter, runner):
    r = runner.invoke(args=["rechecks", "draw", "--quarter", "2026-Q4", "--as", "bureau", "--seed", "7"])
    assert r.exit_code == 0, r.output
    assert "drawn now" in r.output and "seed 7" in r.output and "population 7, drawn 5" in r.output
    expected = random.Random(7).sample(sorted(quarter["q4"]), 5)
    assert bx.get("/rechecks", query_string={"quarter": "2026-Q4"}).get_json()["draw"]["drawn"] == expected
    again = runner.invoke(args=["rechecks", "draw", "--quarter", "2026-Q4", "--as", "bureau"])
    assert again.exit_code == 0 and "drawn before" in again.output and "seed 7" in again.output
    assert runner.invoke(args=["rechecks", "draw", "--quarter", "2026-Q9", "--as", "bureau"]).exit_code != 0
    listed = runner.invoke(args=["rechecks", "list", "--quarter", "2026-Q4", "--as", "bureau"])
    assert listed.exit_code == 0 and listed.output.count("awaiting_recheck") == 5


def test_the_page_shows_the_draw_and_links_each_case(app, bx, quarter):
    browser = Browser(app, "bureau")
    page = browser.text("/rechecks?quarter=2026-Q4")
    assert "recheck-draw-form" in page and "尚未抽取" in page
    r = browser.post("/rechecks?quarter=2026-Q4", {"quarter": "2026-Q4", "seed": "3"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    page = browser.text("/rechecks?quarter=2026-Q4")
    listed = bx.get("/rechecks", query_string={"quarter": "2026-Q4"}).get_json()
    assert listed["draw"]["seed"] == 3 and "随机种子 3" in page
    for c in listed["checks"]:
        assert f'/cases/{c["case_id"]}"' in page
    assert Browser(app, "head").get("/rechecks").status_code == 403
    assert browser.post("/rechecks", {"quarter": "2026-Q7"}).status_code == 422
    with app.app_context():
        assert db.session.query(Pupil).count() == 10


def test_the_rechecks_answer_as_documented(bx, quarter, client):
    doc = Document(client)
    doc.check(draw(bx, seed=5), "POST", "/rechecks/draw")
    doc.check(draw(bx), "POST", "/rechecks/draw")
    doc.check(bx.get("/rechecks", query_string={"quarter": "2026-Q4"}), "GET", "/rechecks")
    doc.check(bx.get("/rechecks", query_string={"quarter": "2026-Q1"}), "GET", "/rechecks")
    doc.check(draw(bx, as_="head"), "POST", "/rechecks/draw")
    doc.check(bx.post("/rechecks/draw", {"quarter": "x"}), "POST", "/rechecks/draw")
    clock.reset()


def test_an_unanswered_recheck_is_reminded_then_escalated_to_the_head(app, bx, quarter):
    from app.deadlines import actions
    check = draw(bx, seed=2).get_json()["checks"][0]
    bx.at_day(date(2026, 12, 31))  # more than 10 working days + 2 after the draw
    with app.app_context():
        actions.sweep()
    assert bx.case(check["case_id"])["escalation_level"] == 2
    notes = bx.get("/notifications", as_="head").get_json()["items"]
    assert any(n["case_id"] == check["case_id"] for n in notes)
