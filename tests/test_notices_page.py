"""The notices page (/notices): history (read and unread), paging, filters (unread / kind / case), marking
read one, the ticked ones, or all matching the filter — each only the user's own (a foreign id: 404 and
nothing marked); the header's unread counter on every page; the 工作台's short list with its link; and the
API's same filters and bulk mark."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, User
from tests.web import Browser, count_queries

T0 = datetime(2026, 11, 2, 1, 0)


def _seed(app, bx):
    """bureau: 34 unread notices over two cases (kinds rotating) and 6 read ones; school_admin: 3."""
    cases = [bx.open()["id"], bx.open()["id"]]
    with app.app_context():
        users = dict(db.session.execute(select(User.username, User.id)).all())
        rows = []
        for i in range(40):
            rows.append(Notification(user_id=users["bureau"], case_id=cases[i % 2], kind=("reminder", "overdue", "escalated")[i % 3],
                                     level=i % 3, title=f"通知第{i}条", created_at=T0 + timedelta(minutes=i),
                                     read_at=T0 + timedelta(days=1) if i < 6 else None))
        for i in range(3):
            rows.append(Notification(user_id=users["school_admin"], case_id=cases[0], kind="reminder", level=0,
                                     title=f"校管通知{i}", created_at=T0))
        db.session.add_all(rows)
        db.session.commit()
        ids = {u: [n.id for n in rows if n.user_id == users[u]] for u in ("bureau", "school_admin")}
    return cases, ids


def _state(app, username) -> dict:
    with app.app_context():
        return dict(db.session.execute(select(Notification.id, Notification.read_at).join(User, User.id == Notification.user_id)
                                       .where(User.username == username)).all())


def _unread(app, username) -> int:
    return sum(1 for v in _state(app, username).values() if v is None)


@pytest.fixture
def seeded(app, bx):
    return _seed(app, bx)


def test_the_page_shows_history_in_pages_newest_first(app, seeded):
    b = Browser(app, "bureau")
    page = b.text("/notices")
    assert "共 40 条" in page and "第 1 / 2 页" in page
    assert page.index("通知第39条") < page.index("通知第10条")
    assert "通知第5条" not in page  # on page 2
    page2 = b.text("/notices?page=2")
    assert "通知第5条" in page2 and "已读" in page2 and "校管通知" not in page + page2
    assert 'id="unread-count" title="未读通知">34<' in page


def test_filters_unread_kind_and_case(app, seeded):
    cases, ids = seeded
    b = Browser(app, "bureau")
    assert "共 34 条" in b.text("/notices?unread=1")
    assert "共 14 条" in b.text("/notices?kind=reminder")   # i % 3 == 0 for i in 0..39
    page = b.text(f"/notices?case={cases[1]}&kind=overdue")
    assert "共 7 条" in page                                 # odd i with i % 3 == 1
    assert f'name="case" value="{cases[1]}"' in page
    for bad, field in (("kind=nonsense", "kind"), ("case=abc", "case"), ("unread=maybe", "unread")):
        r = b.get(f"/notices?{bad}")
        assert r.status_code == 400 and field in r.get_data(as_text=True), bad


def test_mark_one_and_the_ticked_ones(app, seeded):
    _, ids = seeded
    b = Browser(app, "bureau")
    one = ids["bureau"][-1]
    r = b.post("/notices/read", {"one": str(one), "unread": "1"})
    assert r.status_code == 302 and r.headers["Location"] == "/notices?unread=1"
    assert _state(app, "bureau")[one] is not None and _unread(app, "bureau") == 33
    picked = ids["bureau"][10:13]
    from werkzeug.datastructures import MultiDict
    r = b.post("/notices/read", MultiDict([("ids", str(i)) for i in picked]))
    assert r.status_code == 302
    state = _state(app, "bureau")
    assert all(state[i] is not None for i in picked) and _unread(app, "bureau") == 30
    assert "已标为已读：3 条" in b.text("/notices")


def test_a_foreign_id_in_a_selection_is_404_and_marks_nothing(app, seeded):
    _, ids = seeded
    from werkzeug.datastructures import MultiDict
    before_mine, before_theirs = _state(app, "bureau"), _state(app, "school_admin")
    b = Browser(app, "bureau")
    for foreign in (ids["school_admin"][0], 999999, 2**40):
        r = b.post("/notices/read", MultiDict([("ids", str(ids["bureau"][20])), ("ids", str(foreign))]))
        assert r.status_code == 404, foreign
        assert b.post("/notices/read", {"one": str(foreign)}).status_code == 404
    assert b.post("/notices/read", {"ids": "x1"}).status_code == 400
    assert _state(app, "bureau") == before_mine and _state(app, "school_admin") == before_theirs


def test_nothing_ticked_says_so_and_changes_nothing(app, seeded):
    b = Browser(app, "bureau")
    r = b.post("/notices/read", {"unread": "1"})
    assert r.status_code == 422 and "请先勾选要标为已读的通知" in r.get_data(as_text=True)
    assert _unread(app, "bureau") == 34


def test_mark_all_matching_the_filter_across_pages(app, seeded):
    cases, _ = seeded
    b = Browser(app, "bureau")
    r = b.post("/notices/read", {"all": "1", "case": str(cases[0]), "unread": "1"})
    assert r.status_code == 302 and r.headers["Location"] == f"/notices?unread=1&case={cases[0]}"
    state = _state(app, "bureau")
    assert _unread(app, "bureau") == 17  # the other case's 17 stay
    assert _unread(app, "school_admin") == 3
    assert b.post("/notices/read", {"all": "1", "kind": "bogus"}).status_code == 400
    assert _state(app, "bureau") == state


def test_marking_needs_csrf_and_a_login(app, seeded):
    _, ids = seeded
    assert Browser(app, "bureau").post("/notices/read", {"all": "1"}, csrf=False).status_code == 400
    r = Browser(app).post("/notices/read", {"all": "1"}, csrf=False)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _unread(app, "bureau") == 34


def test_the_header_counter_is_on_every_page_and_costs_one_count(app, seeded):
    b = Browser(app, "bureau")
    for url in ("/cases", "/dashboard", "/reports", "/account/password", "/notices"):
        assert 'id="unread-count" title="未读通知">34<' in b.text(url), url
    with count_queries(app) as seen:
        b.text("/cases")
    assert sum(q.lower().startswith("select count(") and "from notifications" in q.lower() for q in seen) == 1
    assert 'id="unread-count"' not in Browser(app).text("/login")


def test_the_workbench_keeps_a_short_list_and_links_to_all(app, seeded):
    b = Browser(app, "bureau")
    page = b.text("/work")
    section = page.split('id="notifications"')[1]
    assert section.count('class="unread"') == 5 and "全部通知 (40)" in section
    assert 'href="/notices"' in section


def test_the_api_filters_pages_and_marks_in_bulk(app, bx, seeded):
    cases, ids = seeded
    r = bx.get(f"/notifications?kind=overdue&case_id={cases[1]}&per_page=5", as_="bureau").get_json()
    assert r["total"] == 7 and len(r["items"]) == 5 and r["unread"] == 34
    assert {n["kind"] for n in r["items"]} == {"overdue"}
    assert bx.get("/notifications?kind=x", as_="bureau").status_code == 400
    r = bx.post("/notifications/read", {"ids": [ids["bureau"][30], ids["school_admin"][0]]}, as_="bureau")
    assert r.status_code == 404 and _unread(app, "bureau") == 34
    r = bx.post("/notifications/read", {"ids": [ids["bureau"][30], ids["bureau"][31]]}, as_="bureau")
    assert r.get_json() == {"marked": 2}
    r = bx.post("/notifications/read", {"all": True, "case_id": cases[0]}, as_="bureau")
    assert r.status_code == 200 and _unread(app, "bureau") == 16
    for bad in ({}, {"ids": []}, {"ids": ["a"]}, {"ids": [1], "all": True}, {"all": "yes"}, {"extra": 1}):
        assert bx.post("/notifications/read", bad, as_="bureau").status_code == 400, bad
    assert _unread(app, "bureau") == 16


def test_the_header_stops_counting_at_its_cap(app, seeded, monkeypatch):
    """Past HEADER_CAP unread notices the header says "N+" (the count stops there); the API keeps the number."""
    from app.views import notices as notices_view
    monkeypatch.setattr(notices_view, "HEADER_CAP", 30)
    b = Browser(app, "bureau")
    assert 'id="unread-count" title="未读通知">30+<' in b.text("/cases")
    monkeypatch.setattr(notices_view, "HEADER_CAP", 34)
    assert 'id="unread-count" title="未读通知">34<' in b.text("/cases")
