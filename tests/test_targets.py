"""The bureau's targets per unit and school year, held against the dashboard's and the reports' rates, and
the working-day KPIs computed from the case events — through the API as their users see them."""
from datetime import datetime

import pytest

from app import clock

MON_14 = datetime(2026, 9, 14, 2, 0)   # Monday 14 Sep 2026, 10:00 in Shanghai


def at(day: str):
    clock.freeze(datetime.fromisoformat(day + "T02:00:00"))


def targets_of(bx, school="SA", as_="bureau"):
    r = bx.get("/dashboard", as_=as_)
    assert r.status_code == 200, r.get_json()
    return next(row for row in r.get_json()["rates"] if row["school"] == school)


@pytest.fixture
def dropouts(bx):
    """Two dropouts in SA: A reported 2 working days after detection, visited after 4, back after 6 (a make-up Sunday);
    B reported after 1, never visited."""
    at("2026-09-14")
    a, b = bx.open(detected_on="2026-09-14"), bx.open(detected_on="2026-09-14")
    at("2026-09-15")
    bx.step(b["id"], "report", "school_admin", dropout_date="2026-09-11")
    at("2026-09-16")
    bx.step(a["id"], "report", "school_admin", dropout_date="2026-09-11")
    bx.step(a["id"], "start_visits", "school_admin")
    at("2026-09-18")
    bx.step(a["id"], "log_visit", "teacher", visited_on="2026-09-18")
    at("2026-09-21")
    bx.step(a["id"], "re_enroll", "school_admin", return_date="2026-09-21")
    return a, b


def test_the_defaults_hold_until_the_bureau_sets_targets(bx, dropouts):
    d = bx.get("/dashboard").get_json()
    assert d["targets"]["dropout_rate_max"] == 0.03 and d["targets"]["retention_rate_min"] == 0.97
    sa = targets_of(bx)
    assert sa["targets"] == {"dropout_rate_max": 0.03, "retention_rate_min": 0.97}
    assert sa["meets_dropout_target"] is True


def test_a_school_target_beats_the_district_s_and_every_report_follows(bx, dropouts):
    r = bx.post("/targets", {"unit": "D", "school_year": 2026, "dropout_rate_max": 1.5, "retention_rate_min": 97})
    assert r.status_code == 200, r.get_json()
    r = bx.post("/targets", {"unit": "SA", "school_year": 2026, "dropout_rate_max": 0.1, "retention_rate_min": 99.9})
    body = r.get_json()
    assert {s["school"]: s["dropout_rate_max"] for s in body["schools"]} == {"SA": 0.001, "SB": 0.015}
    assert [row["unit"] for row in body["set"]] == ["D", "SA"]
    sa, sb = targets_of(bx), targets_of(bx, "SB")
    assert sa["targets"]["dropout_rate_max"] == 0.001 and sa["meets_dropout_target"] is False  # 2 / 900
    assert sa["meets_retention_target"] is False                                                   # 899 / 900
    assert sb["targets"] == {"dropout_rate_max": 0.015, "retention_rate_min": 0.97}
    assert bx.get("/dashboard").get_json()["targets"]["dropout_rate_max"] == 0.015  # the bureau's own: D
    monthly = bx.get("/reports/monthly?school=SA&month=2026-09").get_json()
    assert monthly["targets"]["dropout_rate_max"] == 0.001 and monthly["totals"]["meets_dropout_target"] is False
    district = bx.get("/reports/district?period=2026-09").get_json()
    assert {s["code"]: s["meets_dropout_target"] for s in district["schools"]} == {"SA": False, "SB": True}
    # another school year keeps the defaults
    assert bx.get("/targets?school_year=2025").get_json()["schools"][0]["dropout_rate_max"] == 0.03
    events = bx.get("/admin-events?action=targets_set", as_="supervisor").get_json()["items"]
    assert {e["target"] for e in events} == {"D:2026", "SA:2026"}
    # the same values again change nothing and record nothing
    bx.post("/targets", {"unit": "SA", "school_year": 2026, "dropout_rate_max": 0.1, "retention_rate_min": 99.9})
    assert len(bx.get("/admin-events?action=targets_set", as_="supervisor").get_json()["items"]) == 2


def test_targets_refusals(bx):
    good = {"unit": "SA", "school_year": 2026, "dropout_rate_max": 1.5, "retention_rate_min": 97}
    assert bx.post("/targets", good, as_="school_admin").status_code == 403
    assert bx.post("/targets", good, as_="teacher").status_code == 404       # SA is above their class
    assert bx.post("/targets", {**good, "unit": "NOPE"}).status_code == 404
    r = bx.post("/targets", {**good, "unit": "SA-7"})
    assert r.status_code == 422 and "unit" in r.get_json()["fields"]
    r = bx.post("/targets", {**good, "dropout_rate_max": 150})
    assert r.status_code == 422 and "dropout_rate_max" in r.get_json()["fields"]
    r = bx.post("/targets", {**good, "retention_rate_min": "97"})
    assert r.status_code == 422 and "retention_rate_min" in r.get_json()["fields"]
    assert bx.get("/targets?school_year=1").status_code == 400
    assert bx.get("/targets", as_="teacher").status_code == 403
    assert bx.get("/targets").get_json()["set"] == []


def test_kpis_in_working_days(bx, dropouts):
    k = bx.get("/dashboard").get_json()["kpis"]
    assert k["cases"] == 2
    assert k["median_working_days_to_report"] == 1.5
    assert k["median_working_days_to_first_visit"] == 4
    assert k["median_working_days_to_return"] == 6   # Sunday 20 Sep 2026 is a make-up working day (调休)
    assert (k["returned_within"], k["returned_within_share"]) == (1, 0.5)
    assert k["relapse_rate"] is None            # nobody back for 3 months yet


def test_relapse_rate_three_months_after_return(bx, dropouts):
    a, _ = dropouts
    at("2026-10-12")
    bx.step(a["id"], "relapse", "teacher", absent_since="2026-10-12")
    at("2026-12-22")
    k = bx.get("/dashboard").get_json()["kpis"]
    assert (k["returned_months_ago"], k["relapsed"], k["relapse_rate"]) == (1, 1, 1.0)


def test_the_targets_page_sets_a_school_s_targets_and_the_dashboard_shows_them(app, bx, dropouts):
    from tests.web import Browser
    bureau = Browser(app, "bureau")
    page = bureau.text("/targets")
    assert 'id="targets-form"' in page and "SA中学" in page
    r = bureau.post("/targets", {"unit": "SA", "school_year": "2026", "dropout_rate_max": "1.5",
                                 "retention_rate_min": "97"})
    assert r.status_code == 200 and 'id="set-targets"' in r.get_data(as_text=True)
    r = bureau.post("/targets", {"unit": "SA", "school_year": "2026", "dropout_rate_max": "",
                                 "retention_rate_min": "97"})
    assert r.status_code == 422
    r = bureau.post("/targets", {"unit": "SA-7", "school_year": "2026", "dropout_rate_max": "1",
                                 "retention_rate_min": "97"})
    assert r.status_code == 422
    dashboard = bureau.text("/dashboard")
    assert 'id="kpis"' in dashboard and "≤ 1.50%" in dashboard
    school = Browser(app, "school_admin").text("/targets")
    assert 'id="targets-form"' not in school and "SA中学" in school and "SB中学" not in school
    assert Browser(app, "teacher").get("/targets").status_code == 403
    assert Browser(app, "school_admin").post("/targets", {"unit": "SA", "school_year": "2026",
                                                          "dropout_rate_max": "1", "retention_rate_min": "97"}
                                             ).status_code == 403
