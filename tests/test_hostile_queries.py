"""A hostile sweep through the Flask test client: every GET route of the API and the pages, with odd
query values, as a bureau officer and as a school admin — never a 5xx. Plus the 500s it found."""
import pytest

from tests.web import Browser

ODD = ["%00", "99999999999999999999999", "-1", "2026-13-45", "x" * 3000, "abc", "2026-Q9"]
PARAMS = ["page", "per_page", "q", "state", "school", "class", "month", "period", "overdue", "reason",
          "level", "assignee", "open", "unread", "case", "filename", "next", "lang"]

# the list routes, each parameter alone too (one refused value must not hide another's 500)
SINGLES = {"/cases": ["page", "q", "school", "class", "level", "assignee"],
           "/api/v1/cases": ["page", "q", "school", "class", "level", "assignee"],
           "/api/v1/students": ["page", "q", "school", "class"],
           "/reports": ["school", "month", "period"], "/api/v1/reports/monthly": ["school", "month"]}


def get_routes(app) -> list[str]:
    return sorted(r.rule for r in app.url_map.iter_rules()
                  if "GET" in r.methods and not r.rule.startswith("/static"))


def concrete(rule: str, case_id: int) -> str:
    return (rule.replace("<int:case_id>", str(case_id)).replace("<int:student_id>", "1")
            .replace("<name>", "dropout").replace("<kind>.<fmt>", "monthly.xlsx"))


@pytest.mark.parametrize("user", ["bureau", "school_admin"])
def test_no_get_route_answers_5xx_to_odd_query_values(app, bx, user):
    case = bx.case_in("detected")
    browser = Browser(app, user)
    failures = []
    for rule in get_routes(app):
        path = concrete(rule, case["id"])
        for value in ODD:
            queries = [f"{p}={value}" for p in SINGLES.get(rule, ())] + ["&".join(f"{p}={value}" for p in PARAMS)]
            for query in queries:
                url = f"{path}?{query}"
                if path.startswith("/api/"):
                    r = bx.client.get(url, headers=bx.headers(user))
                else:
                    r = browser.get(url)
                if r.status_code >= 500:
                    failures.append((url[:80], r.status_code))
    assert not failures


def test_a_page_number_past_any_database_integer_is_an_empty_page(app, district):
    r = Browser(app, "bureau").get("/cases?page=99999999999999999999999")
    assert r.status_code == 200


def test_new_case_form_with_an_id_past_any_database_integer_is_422(app, district):
    r = Browser(app, "teacher").post("/cases/new", {"student_id": "99999999999999999999999",
                                                    "detected_on": "2026-11-02", "source": "teacher"})
    assert r.status_code == 422
