"""A school's month of pupils in abnormal 学籍 status, through the API: who may report it, the checks, the
admin event, the series over the reader's scope."""


def test_a_school_reports_its_months_and_the_series_sums_the_scope(bx):
    r = bx.post("/status-counts", {"school": "SA", "month": "2026-09", "abnormal": 30, "other_left": 20,
                                   "problem_records": 4}, as_="school_admin")
    assert r.status_code == 200, r.get_json()
    bx.post("/status-counts", {"school": "SB", "month": "2026-09", "abnormal": 10, "other_left": 8,
                               "problem_records": 1}, as_="other_admin")
    bx.post("/status-counts", {"school": "SA", "month": "2026-10", "abnormal": 12, "other_left": 10,
                               "problem_records": 2}, as_="bureau")
    months = bx.get("/status-counts").get_json()["months"]
    assert [(m["month"], m["abnormal"], m["other_left"], m["problem_records"], m["schools"]) for m in months] == [
        ("2026-09", 40, 28, 5, 2), ("2026-10", 12, 10, 2, 1)]
    assert [m["abnormal"] for m in bx.get("/status-counts", as_="other_admin").get_json()["months"]] == [10]
    # a correction replaces the month; each change is an admin event
    bx.post("/status-counts", {"school": "SA", "month": "2026-10", "abnormal": 11, "other_left": 10,
                               "problem_records": 1}, as_="school_admin")
    assert bx.get("/status-counts").get_json()["last"]["abnormal"] == 11
    events = bx.get("/admin-events?action=status_counts_set", as_="supervisor").get_json()["items"]
    assert len(events) == 4 and events[0]["before"] == {"abnormal": 12, "other_left": 10, "problem_records": 2}


def test_status_counts_refusals(bx):
    good = {"school": "SA", "month": "2026-09", "abnormal": 30, "other_left": 20, "problem_records": 4}
    assert bx.post("/status-counts", good, as_="other_admin").status_code == 404   # another school
    assert bx.post("/status-counts", good, as_="leader").status_code == 404        # SA is above the grade
    assert bx.post("/status-counts", good, as_="head").status_code == 403
    for bad, field in (({"month": "2026-13"}, "month"), ({"abnormal": 3}, "abnormal"), ({"other_left": -1}, "other_left"),
                       ({"school": "SA-7"}, "school")):
        r = bx.post("/status-counts", {**good, **bad})
        assert r.status_code == 422 and field in r.get_json()["fields"], (bad, r.get_json())
    assert bx.get("/status-counts", as_="teacher").status_code == 403
    assert bx.get("/status-counts").get_json()["months"] == []


def test_the_status_page_takes_a_school_s_month_and_draws_the_series(app, bx):
    from tests.web import Browser
    school = Browser(app, "school_admin")
    assert 'id="status-form"' in school.text("/reports/status")
    r = school.post("/reports/status", {"school": "SA", "month": "2026-09", "abnormal": "30", "other_left": "20",
                                        "problem_records": "4"})
    assert r.status_code == 200 and "2026-09" in r.get_data(as_text=True)
    r = school.post("/reports/status", {"school": "SA", "month": "2026-10", "abnormal": "3", "other_left": "20",
                                        "problem_records": "4"})
    assert r.status_code == 422
    assert school.post("/reports/status", {"school": "SB", "month": "2026-10", "abnormal": "3", "other_left": "0",
                                           "problem_records": "0"}).status_code == 404
    page = Browser(app, "head").text("/reports/status")
    assert 'id="chart-status"><svg' in page and 'id="status-form"' not in page
