import itertools
from tests.web import Browser

ODD = ["%00", "a%00b", "99999999999999999999999", "-1", "0", "2026-13-45", "x"*5000, "abc", "nowhere", "%ff%fe", "%ed%a0%80", "1e9", " ", "%7f"]
PARAMS = ["page", "per_page", "q", "state", "school", "class", "month", "period", "overdue", "reason", "level", "assignee", "open", "unread", "year", "grade", "escalation_level", "closed", "kind", "filename"]

def routes(app):
    out = []
    for r in app.url_map.iter_rules():
        if "GET" in r.methods and not r.rule.startswith("/static"):
            out.append(r.rule)
    return out

def fill(rule, case_id):
    return (rule.replace("<int:case_id>", str(case_id)).replace("<int:student_id>", "1")
            .replace("<name>", "dropout").replace("<kind>.<fmt>", "monthly.xlsx"))

def test_sweep(app, bx, district):
    case = bx.case_in("detected")
    b = {u: Browser(app, u) for u in ("bureau", "school_admin", "admin")}
    fails = set()
    for rule in routes(app):
        path = fill(rule, case["id"])
        for p, v in itertools.product(PARAMS, ODD):
            url = f"{path}?{p}={v}"
            for u in ("bureau", "school_admin"):
                if path.startswith("/api/"):
                    r = bx.client.get(url, headers=bx.headers(u))
                else:
                    r = b[u].get(url)
                if r.status_code >= 500:
                    fails.add((rule, p, v[:20], r.status_code))
    # path segments
    for seg in ["%00", "abc", "99999999999999999999999", "-1"]:
        for base in ["/cases/", "/api/v1/cases/", "/api/v1/students/", "/api/v1/workflows/", "/reports/", "/api/v1/reports/"]:
            r = b["bureau"].get(base + seg) if not base.startswith("/api") else bx.client.get(base+seg, headers=bx.headers("bureau"))
            if r.status_code >= 500: fails.add((base, seg, r.status_code))
    for f in sorted(fails): print(f)
    assert not fails
