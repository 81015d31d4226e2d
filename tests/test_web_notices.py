"""The workbench's "mark read" button on one notice (POST /notifications/<id>/read): it marks exactly that
notice read, for its own user only; someone else's notice is 404 and stays unread."""
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.deadlines import actions
from app.extensions import db
from app.models import Notification, User
from tests.deadline_helpers import remind_on_time
from tests.test_timers import DUE, open_at_t0
from tests.web import Browser

NOW = DUE + timedelta(minutes=1)


def notices(app, username) -> dict[int, object]:
    """notice id -> read_at, of one user"""
    with app.app_context():
        return dict(db.session.execute(select(Notification.id, Notification.read_at)
                                       .join(User, User.id == Notification.user_id)
                                       .where(User.username == username)).all())


def form_for(notice_id) -> str:
    return f'action="/notifications/{notice_id}/read"'


def overdue_notices(app, bx):
    """Two cases past their report deadline: the bureau officer gets an overdue notice for each."""
    cases = [open_at_t0(bx), open_at_t0(bx)]
    remind_on_time(app)  # the school admin's reminders, sent at their time (a late one would be skipped)
    clock.freeze(NOW)
    with app.app_context():
        assert actions.sweep()["overdue"] == 2
    mine = notices(app, "bureau")
    assert len(mine) == 2 and set(mine.values()) == {None}
    return cases, sorted(mine)


def test_marking_one_notice_read_marks_that_one_only(app, bx):
    cases, (first, second) = overdue_notices(app, bx)
    theirs = notices(app, "school_admin")
    assert theirs and set(theirs.values()) == {None}
    bureau = Browser(app, "bureau")
    page = bureau.text("/work")
    assert form_for(first) in page and form_for(second) in page

    r = bureau.post(f"/notifications/{first}/read")
    assert r.status_code == 302 and r.headers["Location"] == "/work"
    assert notices(app, "bureau") == {first: NOW, second: None}
    assert notices(app, "school_admin") == theirs                # nobody else's notices move
    page = bureau.text("/work")
    assert form_for(first) not in page and form_for(second) in page
    assert bx.get("/notifications?unread=true", as_="bureau").get_json()["unread"] == 1

    # pressed again later (a second tab): still read, at the time it was first read
    clock.freeze(NOW + timedelta(hours=1))
    assert bureau.post(f"/notifications/{first}/read").status_code == 302
    assert notices(app, "bureau") == {first: NOW, second: None}


def test_open_marks_read_and_goes_to_the_case(app, bx):
    cases, (first, second) = overdue_notices(app, bx)
    with app.app_context():
        case_id = db.session.get(Notification, second).case_id
    assert case_id in {c["id"] for c in cases}
    r = Browser(app, "bureau").post(f"/notifications/{second}/read", {"open": "1"})
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{case_id}"
    assert notices(app, "bureau") == {first: None, second: NOW}


def test_another_users_notice_is_404_and_stays_unread(app, bx):
    _, (first, second) = overdue_notices(app, bx)
    for who in ("school_admin", "supervisor", "teacher"):
        assert Browser(app, who).post(f"/notifications/{first}/read").status_code == 404, who
    assert Browser(app, "bureau").post("/notifications/999999/read").status_code == 404
    assert notices(app, "bureau") == {first: None, second: None}


def test_marking_read_needs_the_pages_csrf_token_and_a_login(app, bx):
    _, (first, second) = overdue_notices(app, bx)
    assert Browser(app, "bureau").post(f"/notifications/{first}/read", csrf=False).status_code == 400
    r = Browser(app).post(f"/notifications/{first}/read")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert notices(app, "bureau") == {first: None, second: None}
