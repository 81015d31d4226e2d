"""Lists that do not grow with the province: pages by `after` cursor (every row once, in order, for each
sort), a bad cursor is a 400 naming `after`, a cursor never widens the caller's scope, and a count past
the cap is the planner's estimate flagged `total_exact: false` (app/web/keyset.py, app/web/counting.py)."""
import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest
from app.district.filters import SORTS
from app.extensions import db
from app.models import Case, Pupil


def _api_walk(bx, path, as_="school_admin", method="get", body=None, limit=50) -> list[int]:
    """Every id of a list followed page by page through its `next` links."""
    seen, url = [], f"/api/v1{path}"
    for _ in range(limit):
        call = bx.client.get if method == "get" else bx.client.post
        kw = {"json": body} if method == "post" else {}
        r = call(url, headers=bx.headers(as_), **kw)
        assert r.status_code == 200, r.get_json()
        data = r.get_json()
        seen += [i["id"] for i in data["items"]]
        if data["next"] is None:
            assert data["next_after"] is None
            return seen
        assert data["next_after"] and "after=" in data["next"]
        url = data["next"]
    raise AssertionError("the walk did not end")


@pytest.fixture
def varied(app, bx, names=None):
    """Seven cases of school SA with sort values that tie (level, overdue, dates, names) and one of SB."""
    opened = [bx.open()["id"] for _ in range(7)]
    other = bx.open(pupil_id=bx.district.other_pupil, as_="other_teacher")["id"]
    with app.app_context():
        base = datetime(2026, 3, 1, 8, 0)
        for n, case_id in enumerate(opened):
            case = db.session.get(Case, case_id)
            case.escalation_level = n % 3
            case.overdue = n % 2 == 0
            case.opened_on = date(2026, 3, 1) + timedelta(days=n % 2)
            case.updated_at = base + timedelta(minutes=n % 3)  # equal times: the id decides
            db.session.get(Pupil, case.pupil_id).name = ["丙", "甲", "乙", "甲", "丁", "乙", "甲"][n]
        db.session.commit()
    return opened, other


def test_a_cursor_walk_returns_every_case_once_in_order_for_each_sort(bx, varied):
    opened, other = varied
    for sort in SORTS:
        for direction in ("asc", "desc"):
            query = f"/cases?sort={sort}&dir={direction}"
            whole = [c["id"] for c in bx.get(f"{query}&per_page=200", as_="school_admin").get_json()["items"]]
            assert sorted(whole) == sorted(opened), sort
            walked = _api_walk(bx, f"{query}&per_page=2")
            assert walked == whole, (sort, direction)  # every case once, in the one order
            numbered = [c["id"] for p in (1, 2, 3, 4) for c in
                        bx.get(f"{query}&per_page=2&page={p}", as_="school_admin").get_json()["items"]]
            assert numbered == whole, (sort, direction)  # the page numbers still work


def test_the_search_pages_by_cursor_with_its_filters_in_the_body(bx, varied):
    opened, _ = varied
    walked = _api_walk(bx, "/cases/search?per_page=3", method="post", body={"sort": "level", "dir": "asc"})
    whole = [c["id"] for c in bx.post("/cases/search", {"sort": "level", "dir": "asc"},
                                      as_="school_admin").get_json()["items"]]
    assert walked == whole and sorted(walked) == sorted(opened)


def test_a_bad_cursor_is_a_400_naming_after(bx, varied):
    first = bx.get("/cases?sort=updated&per_page=2", as_="school_admin").get_json()
    cursor = first["next_after"]
    for bad in ("x", "garbage.garbage", cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"),
                "W10.invalid", "%00"):
        r = bx.get(f"/cases?sort=updated&per_page=2&after={bad}", as_="school_admin")
        assert r.status_code == 400 and r.get_json()["field"] == "after", bad
    # a cursor of one sort does not serve another (nor the other direction), nor another list
    for other in ("/cases?sort=state", "/cases?sort=updated&dir=asc", "/cases", "/notifications"):
        r = bx.get(f"{other}&after={cursor}" if "?" in other else f"{other}?after={cursor}", as_="school_admin")
        assert r.status_code == 400 and r.get_json()["field"] == "after", other
    r = bx.get("/cases?after=" + "a" * 2001, as_="school_admin")
    assert r.status_code == 400 and r.get_json()["field"] == "after"


def test_the_page_rejects_a_bad_cursor_too(as_, varied):
    r = as_("school_admin").get("/cases?after=nonsense")
    assert r.status_code == 400


def test_a_cursor_does_not_reveal_cases_out_of_scope(bx, varied):
    opened, other = varied
    # the bureau sees both schools; its cursor, handed to SB's admin, still shows SB's cases only
    first = bx.get("/cases?per_page=1&sort=id&dir=desc", as_="bureau").get_json()
    assert first["items"][0]["id"] == other
    top = bx.get("/cases?per_page=1&sort=id&dir=asc", as_="bureau").get_json()
    r = bx.get(f"/cases?per_page=50&sort=id&dir=asc&after={top['next_after']}", as_="other_admin")
    assert r.status_code == 200 and [c["id"] for c in r.get_json()["items"]] == [other]
    r = bx.get(f"/cases?per_page=50&sort=id&dir=asc&after={top['next_after']}", as_="school_admin")
    assert other not in [c["id"] for c in r.get_json()["items"]]
    assert sorted(_api_walk(bx, "/cases?per_page=2", as_="other_admin")) == [other]


def test_counts_past_the_cap_are_estimates_flagged_as_such(app, bx, as_, varied):
    opened, _ = varied
    body = bx.get("/cases", as_="school_admin").get_json()
    assert body["total"] == 7 and body["total_exact"] is True and body["pages"] == 1
    app.config["LIST_COUNT_CAP"] = 3
    body = bx.get("/cases?per_page=2", as_="school_admin").get_json()
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if postgres:  # the planner's estimate, never below what the capped count saw
        assert body["total_exact"] is False and body["total"] >= 4
    else:  # SQLite has no estimate to ask: it counts (it is never a province's database)
        assert body["total_exact"] is True and body["total"] == 7
    assert [c["id"] for c in body["items"]] == sorted(opened, reverse=True)[:2]
    page = as_("school_admin").text("/cases?per_page=2")
    shown = re.search(r'id="total">([^<]*)<', page).group(1)
    # the page counts per state: up to counting.GROUPED times the cap that is one exact GROUP BY, whose sum
    # is the total (the API, which counts no states, gave the estimate above)
    assert shown == "7"
    # a count the page shows per state: a small one is still exact
    assert re.search(r'class="counts-line">.*?</p>', page, re.S)


def test_a_search_past_the_cap_shows_each_states_count_so_far(app, as_, varied):
    """A search tests each case's pupil, so the page groups only the first cap + 1 matches: exact when
    that is all of them, else each state's matches so far as "N+" and the total as an estimate."""
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    admin = as_("school_admin")

    def searched():
        page = admin.get(admin.post("/cases", {"q": "甲"}).location).get_data(as_text=True)
        line = re.search(r'class="counts-line">(.*?)</p>', page, re.S).group(1)
        return re.search(r'id="total">([^<]*)<', page).group(1), re.findall(r"</a> ([^ <·]+)", line)

    total, per_state = searched()
    assert total == "3" and sum(int(n) for n in per_state) == 3  # under the cap: exact
    app.config["LIST_COUNT_CAP"] = 2
    total, per_state = searched()
    if postgres:
        assert unescape(total).startswith("≈") and all(n.endswith("+") for n in per_state)
        assert sum(int(n[:-1]) for n in per_state) == 3  # the cap + 1 matches found, no more tested
    else:  # SQLite has no estimate: exact counts, as everywhere there
        assert total == "3" and sum(int(n) for n in per_state) == 3


def test_the_list_page_walks_forward_by_cursor_links(app, as_, varied):
    opened, _ = varied
    app.config["LIST_COUNT_CAP"] = 3  # the page numbers themselves may be estimates
    admin = as_("school_admin")
    seen, url = [], "/cases?sort=pupil&dir=asc"
    while url:
        page = admin.text(url)
        table = page.split('id="case-table"')[1].split("</table>")[0]
        seen += [int(i) for i in re.findall(r'href="/cases/(\d+)"', table)]
        link = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = unescape(link.group(1)) if link else None
        assert url is None or "after=" in url
    assert sorted(set(seen)) == sorted(opened) and len(seen) == len(set(seen))


def test_other_lists_page_by_cursor_too(app, bx, varied):
    opened, _ = varied
    for case_id in opened[:3]:  # reads of personal data, three access-log rows at least
        bx.get(f"/cases/{case_id}", as_="school_admin")
    total = len(bx.get("/access-log?per_page=200", as_="supervisor").get_json()["items"])
    walked = _api_walk(bx, "/access-log?per_page=1", as_="supervisor")
    assert len(walked) == total >= 3 and len(set(walked)) == total
    whole = [s["id"] for s in bx.get("/students?per_page=200", as_="school_admin").get_json()["items"]]
    assert _api_walk(bx, "/students?per_page=3") == whole and len(whole) >= 8


def test_the_api_documents_the_cursor_fields(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    page = doc["components"]["schemas"]["CasePage"]
    assert {"total_exact", "next", "next_after"} <= set(page["required"])
    params = [p["name"] for p in doc["paths"]["/cases"]["get"]["parameters"]]
    assert "after" in params


def test_the_workbench_shows_an_estimate_past_the_cap(app, as_, varied):
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    badges = {}
    for user in ("teacher", "school_admin", "bureau"):
        page = as_(user).text("/work")
        badges[user] = re.search(r'等待我处理的个案\S*\s*<span class="badge">([^<]*)<', page).group(1)
    assert any(b not in ("", "0") for b in badges.values()) and not any("≈" in b for b in badges.values())
    app.config["LIST_COUNT_CAP"] = 0
    shown = [re.search(r'等待我处理的个案\S*\s*<span class="badge">([^<]*)<', as_(u).text("/work")).group(1)
             for u, b in badges.items() if b not in ("", "0")]
    assert all(s.startswith("≈") for s in shown) if postgres else shown == [b for b in badges.values() if b != "0"]


@pytest.mark.parametrize("username", ["school_admin", "bureau", "other_admin"])
def test_ids_picked_branch_by_branch_are_the_pages_the_or_picks(app, bx, varied, monkeypatch, username):
    """A sparse scope's page ids come from each scope branch's index (app/district/filters.py); whichever
    way they are picked, by page number or by cursor, both directions, the pages are the same rows."""
    from sqlalchemy import select

    from app import clock
    from app.auth.actor import Actor
    from app.district import filters
    from app.models import User
    from tests.test_transfer import _inside
    _inside(bx, app)  # a case in two branches: its unit path in SA, its second unit path in SB
    with app.app_context():
        actor = Actor(db.session.execute(select(User).where(User.username == username)).scalar_one())
        now = clock.now()
        for direction in ("desc", "asc"):
            flt = filters.parse(actor, {"dir": direction}, now)
            walks = {}
            for forced in (False, True):
                monkeypatch.setattr(filters, "_by_branches", lambda f, reach, forced=forced: forced)
                numbered = [[c.id for c, _o in filters.page_of(flt, now, n, 2).rows] for n in range(1, 7)]
                cursor, walked = None, []
                for _ in range(10):
                    found = filters.page_of(flt, now, 1, 2, cursor)
                    walked.append([c.id for c, _o in found.rows])
                    if not found.more:
                        break
                    cursor = found.next_after
                walks[forced] = (numbered, walked)
            assert walks[True] == walks[False] and walks[False][1][0], (username, direction)


def test_past_the_grouped_limit_each_state_is_estimated_or_counted_capped(app, as_, varied, monkeypatch):
    """Over a province's scope the page neither groups every case nor asks the planner once per state:
    a state's estimate is the scope's times the state's share in the statistics; a state whose estimate
    is not far past the cap is counted (capped, all of them in one statement), so a small one is exact."""
    from app.web import counting
    opened, _ = varied
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    with app.app_context():
        db.session.get(Case, opened[0]).state = "reported"  # one case in a second state
        db.session.commit()
        if postgres:
            db.session.execute(db.text("ANALYZE cases"))
            db.session.commit()
    admin = as_("school_admin")

    def counts():
        page = admin.text("/cases")
        line = re.search(r'class="counts-line">(.*?)</p>', page, re.S).group(1)
        return (unescape(re.search(r'id="total">([^<]*)<', page).group(1)),
                dict(re.findall(r'state=(\w+)">[^<]*</a> ([^ <·]+)', line)))

    assert counts() == ("7", {"detected": "6", "reported": "1"})
    app.config["LIST_COUNT_CAP"] = 5
    monkeypatch.setattr(counting, "GROUPED", 1)  # 7 > 1 × 5: past the exact GROUP BY
    total, per_state = counts()
    if postgres:
        assert total.startswith("≈") and per_state["reported"] == "1"  # counted: exact under the cap
        assert per_state["detected"].startswith("≈") and int(per_state["detected"][1:]) >= 6  # past it
        monkeypatch.setattr(counting, "SURE", 0)  # every estimate "far past the cap": not counted
        _total, per_state = counts()
        # a state the statistics do not list among the common values (one case of eight) is counted
        assert per_state["detected"].startswith("≈") and per_state["reported"] == "1"
    else:  # SQLite has no estimate: exact, as everywhere there
        assert (total, per_state) == ("7", {"detected": "6", "reported": "1"})
