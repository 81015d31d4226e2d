"""The admin users page's two state-changing buttons, each through its POST as the page sends it:
deactivate (and reactivate) a user, and delete one role assignment. Each does what it says, writes its
admin event, needs the page's CSRF token and the admin role, and otherwise changes nothing."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AdminEvent, AuthEvent, RoleAssignment, User
from tests.web import PASSWORD, TOKEN, Browser, set_passwords


def user_id(app, username) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def is_active(app, username) -> bool:
    with app.app_context():
        return db.session.scalar(select(User.active).where(User.username == username))


def roles(app, username) -> dict[str, int]:
    """role@unit -> assignment id"""
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        return {f"{a.role}@{a.unit.code}": a.id for a in user.assignments}


def admin_events(app) -> list[tuple]:
    """Every admin event but the district's set-up (written as "system")."""
    with app.app_context():
        return [(e.actor, e.action, e.target, e.before, e.after) for e in db.session.execute(
            select(AdminEvent).where(AdminEvent.actor != "system").order_by(AdminEvent.id)).scalars()]


def auth_actions(app, username) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuthEvent.action).join(User, User.id == AuthEvent.user_id)
                                       .where(User.username == username).order_by(AuthEvent.id)))


def logged_in(browser) -> bool:
    r = browser.get("/work")
    if r.status_code == 302:  # sent to the login form
        assert r.headers["Location"].startswith("/login"), r.headers["Location"]
        return False
    assert r.status_code == 200, r.status_code
    return True


def login_status(app, username) -> int:
    fresh = Browser(app)
    token = TOKEN.search(fresh.get("/login").get_data(as_text=True)).group(1)
    return fresh.client.post("/login", data={"username": username, "password": PASSWORD,
                                             "csrf_token": token}).status_code


def test_deactivating_a_user_ends_their_session_tokens_and_logins(app, bx):
    admin, session = Browser(app, "admin"), Browser(app, "teacher2")
    other_tab = Browser(app, "teacher2")  # not used again until after reactivation
    uid = user_id(app, "teacher2")
    assert logged_in(session) and logged_in(other_tab) and bx.get("/cases", as_="teacher2").status_code == 200
    assert 'value="0"' in admin.text("/admin/users").split(f"/admin/users/{uid}/active")[1][:400]
    events_before = len(admin_events(app))

    r = admin.post(f"/admin/users/{uid}/active", {"active": "0"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/users")
    assert not is_active(app, "teacher2")
    assert not logged_in(session)                                    # the open session is over
    assert bx.get("/cases", as_="teacher2").status_code == 401       # the token is revoked
    assert login_status(app, "teacher2") == 401                      # and no new login
    assert admin_events(app)[events_before:] == [
        ("admin", "user_deactivated", "user teacher2",
         {"username": "teacher2", "display_name": "teacher2", "active": True, "roles": ["class_teacher@SA-7-2"]},
         {"username": "teacher2", "display_name": "teacher2", "active": False, "roles": ["class_teacher@SA-7-2"]})]
    assert auth_actions(app, "teacher2")[-2:] == ["deactivated", "login_failed"]
    assert 'value="1"' in admin.text("/admin/users").split(f"/admin/users/{uid}/active")[1][:400]

    # pressed twice (two tabs): nothing more happens, no second event
    assert admin.post(f"/admin/users/{uid}/active", {"active": "0"}).status_code == 302
    assert len(admin_events(app)) == events_before + 1

    # reactivation lets them log in again, but revives neither the old session nor the old token
    assert admin.post(f"/admin/users/{uid}/active", {"active": "1"}).status_code == 302
    assert is_active(app, "teacher2")
    assert [e[1] for e in admin_events(app)[events_before:]] == ["user_deactivated", "user_reactivated"]
    assert not logged_in(session) and not logged_in(other_tab)  # the sessions were ended, not just paused
    assert bx.get("/cases", as_="teacher2").status_code == 401
    set_passwords(app, "teacher2")
    assert login_status(app, "teacher2") == 302


def test_deleting_a_role_assignment_takes_exactly_that_role_away(app, bx):
    admin = Browser(app, "admin")
    assert admin.post("/admin/users", {"username": "teacher2", "role": "grade_leader", "unit": "SA-7"}).status_code == 302
    granted = roles(app, "teacher2")
    assert set(granted) == {"class_teacher@SA-7-2", "grade_leader@SA-7"}
    pupil = bx.district.pupils[0]  # in SA-7-1: the grade leader's, not the SA-7-2 class teacher's
    assert bx.get(f"/students/{pupil}", as_="teacher2").status_code == 200
    uid, events_before = user_id(app, "teacher2"), len(admin_events(app))
    page = admin.text("/admin/users")
    assert f'action="/admin/users/{uid}/roles/{granted["grade_leader@SA-7"]}/delete"' in page

    r = admin.post(f"/admin/users/{uid}/roles/{granted['grade_leader@SA-7']}/delete")
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/users")
    assert roles(app, "teacher2") == {"class_teacher@SA-7-2": granted["class_teacher@SA-7-2"]}
    with app.app_context():
        assert db.session.get(RoleAssignment, granted["grade_leader@SA-7"]) is None
    assert bx.get(f"/students/{pupil}", as_="teacher2").status_code == 404  # the role's reach is gone
    assert bx.get("/cases", as_="teacher2").status_code == 200               # the user is not
    assert admin_events(app)[events_before:] == [
        ("admin", "role_revoked", "user teacher2",
         {"username": "teacher2", "display_name": "teacher2", "active": True,
          "roles": ["class_teacher@SA-7-2", "grade_leader@SA-7"]},
         {"username": "teacher2", "display_name": "teacher2", "active": True, "roles": ["class_teacher@SA-7-2"]})]
    assert f'/roles/{granted["grade_leader@SA-7"]}/delete' not in admin.text("/admin/users")
    # the same button again: that assignment no longer exists
    assert admin.post(f"/admin/users/{uid}/roles/{granted['grade_leader@SA-7']}/delete").status_code == 404
    assert len(admin_events(app)) == events_before + 1


def test_a_role_is_deleted_only_under_its_own_user(app, bx):
    admin = Browser(app, "admin")
    theirs = roles(app, "teacher")["class_teacher@SA-7-1"]
    for uid in (user_id(app, "teacher2"), 999999):
        assert admin.post(f"/admin/users/{uid}/roles/{theirs}/delete").status_code == 404
    assert admin.post(f"/admin/users/{user_id(app, 'teacher')}/roles/999999/delete").status_code == 404
    assert roles(app, "teacher") == {"class_teacher@SA-7-1": theirs} and admin_events(app) == []
    assert admin.post("/admin/users/999999/active", {"active": "0"}).status_code == 404


def test_both_buttons_need_the_forms_csrf_token(app, bx):
    admin = Browser(app, "admin")
    uid, grant = user_id(app, "teacher"), roles(app, "teacher")["class_teacher@SA-7-1"]
    assert admin.post(f"/admin/users/{uid}/active", {"active": "0"}, csrf=False).status_code == 400
    assert admin.post(f"/admin/users/{uid}/roles/{grant}/delete", csrf=False).status_code == 400
    assert admin.post(f"/admin/users/{uid}/active", {"active": "0", "csrf_token": "forged"},
                      csrf=False).status_code == 400
    assert is_active(app, "teacher") and roles(app, "teacher") == {"class_teacher@SA-7-1": grant}
    assert admin_events(app) == [] and bx.get("/cases", as_="teacher").status_code == 200


@pytest.mark.parametrize("who", ["school_admin", "bureau", "supervisor", "teacher2"])
def test_only_the_admin_may_press_them(app, bx, who):
    someone = Browser(app, who)
    uid, grant = user_id(app, "teacher"), roles(app, "teacher")["class_teacher@SA-7-1"]
    assert someone.post(f"/admin/users/{uid}/active", {"active": "0"}).status_code == 403
    assert someone.post(f"/admin/users/{uid}/roles/{grant}/delete").status_code == 403
    assert is_active(app, "teacher") and roles(app, "teacher") == {"class_teacher@SA-7-1": grant}
    assert admin_events(app) == [] and bx.get("/cases", as_="teacher").status_code == 200
