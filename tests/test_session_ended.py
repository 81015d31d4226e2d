"""A form sent after the session ended some other way than idling — a logout in another tab, a logout
elsewhere, a CSRF token of an earlier session — is kept for its own user and handed back filled after
the login, never to someone else; a password is never kept (app/views/idle.py)."""
import json

from tests.payloads import VALID
from tests.web import PASSWORD, TOKEN, Browser, form_fields, set_passwords

TEXT = "父母外出务工, 孩子由祖母照看"


def _report_form(case_id, token, text=TEXT) -> dict:
    data = form_fields(dict(VALID["report"], reason_analysis=text))
    data.update({"version": "1", "seen_seq": "0", "csrf_token": token})
    return data


def _send(b, case_id, token, **kw):
    return b.client.post(f"/cases/{case_id}/actions/report", data=_report_form(case_id, token, **kw),
                         headers={"Referer": f"http://localhost/cases/{case_id}", "Origin": "http://localhost"})


def _login(b, username, url):
    set_passwords(b.app, username)
    page = b.client.get(url).get_data(as_text=True)
    return b.client.post(url, data={"username": username, "password": PASSWORD,
                                    "csrf_token": TOKEN.search(page).group(1)}), page


def _tab_a_then_logout_in_tab_b(app, bx):
    """One browser (one cookie jar): the case page is open in tab A, tab B logs out."""
    case = bx.open()
    b = Browser(app, "school_admin")
    token = TOKEN.search(b.text(f"/cases/{case['id']}")).group(1)
    assert b.client.post("/logout", data={"csrf_token": token}).status_code == 302   # tab B
    return case, b, token


def test_a_form_sent_after_a_logout_in_another_tab_comes_back_after_the_login(app, bx):
    case, b, token = _tab_a_then_logout_in_tab_b(app, bx)
    r = _send(b, case["id"], token)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login") and "ended=1" in r.headers["Location"]
    assert bx.case(case["id"])["state"] == "detected"  # nothing was done with it
    r, login_page = _login(b, "school_admin", r.headers["Location"])
    assert "刚才填写的内容会在登录后恢复" in login_page
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{case['id']}"
    page = b.text(r.headers["Location"])
    assert TEXT in page and 'value="learning" checked' in page
    assert "open>" in page.split('id="action-report"')[1][:40]
    assert TEXT not in b.text(f"/cases/{case['id']}")  # handed back once


def test_a_form_sent_after_a_logout_is_not_handed_to_another_user(app, bx):
    case, b, token = _tab_a_then_logout_in_tab_b(app, bx)
    r = _send(b, case["id"], token, text="只给本人看")
    r, _ = _login(b, "bureau", r.headers["Location"])
    assert r.headers["Location"] == f"/cases/{case['id']}"
    assert "只给本人看" not in b.text(f"/cases/{case['id']}")
    b.client.post("/logout", data={"csrf_token": TOKEN.search(b.text("/work")).group(1)})
    r, _ = _login(b, "school_admin", f"/login?next=/cases/{case['id']}")
    assert "只给本人看" not in b.text(f"/cases/{case['id']}")  # gone, not waiting for the right one


def test_a_form_sent_after_a_logout_on_another_computer_comes_back(app, bx):
    case = bx.open()
    here, elsewhere = Browser(app, "school_admin"), Browser(app, "school_admin")
    token = TOKEN.search(here.text(f"/cases/{case['id']}")).group(1)
    elsewhere.post("/logout")  # every session of the user ends
    r = _send(here, case["id"], token)
    assert r.status_code == 302 and "ended=1" in r.headers["Location"]
    r, _ = _login(here, "school_admin", r.headers["Location"])
    assert TEXT in here.text(r.headers["Location"])


def test_a_csrf_token_of_an_earlier_session_keeps_the_form_for_the_logged_in_user(app, bx):
    """Logged out and in again in tab B: tab A's token is stale, but the user is logged in."""
    case, b, token = _tab_a_then_logout_in_tab_b(app, bx)
    r, _ = _login(b, "school_admin", "/login")
    r = _send(b, case["id"], token)
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{case['id']}"
    page = b.text(r.headers["Location"])
    assert TEXT in page and "页面已过期，刚才填写的内容已恢复" in page
    assert bx.case(case["id"])["state"] == "detected"


def test_a_post_from_another_site_is_not_kept(app, bx):
    case, b, token = _tab_a_then_logout_in_tab_b(app, bx)
    r = b.client.post(f"/cases/{case['id']}/actions/report", data=_report_form(case["id"], token),
                      headers={"Origin": "http://evil.example"})
    assert r.status_code == 302 and "ended=1" in r.headers["Location"]
    r, login_page = _login(b, "school_admin", r.headers["Location"])
    assert "刚才填写的内容会在登录后恢复" not in login_page
    assert TEXT not in b.text(f"/cases/{case['id']}")


def test_a_password_typed_into_an_ended_session_is_never_kept(app, bx, redis_conn):
    admin = Browser(app, "admin")
    token = TOKEN.search(admin.text("/admin/users")).group(1)
    admin.client.post("/logout", data={"csrf_token": token})
    r = admin.client.post("/admin/users", data={"username": "li", "display_name": "李老师", "role": "class_teacher",
                                                "unit": "SA-7-1", "password": "li-laoshi-secret-2026",
                                                "csrf_token": token})
    assert r.status_code == 302 and "ended=1" in r.headers["Location"]
    kept = [json.loads(redis_conn.get(k)) for k in redis_conn.keys("bx:restore:*")]
    assert len(kept) == 1 and dict(kept[0]["form"])["display_name"] == "李老师"
    assert "li-laoshi-secret-2026" not in json.dumps(kept, ensure_ascii=False)
    r, _ = _login(admin, "admin", r.headers["Location"])
    page = admin.text(r.headers["Location"])
    assert 'value="李老师"' in page and "li-laoshi-secret-2026" not in page


def test_a_stale_login_page_is_sent_back_to_the_login_with_a_message(app, district):
    b = Browser(app)
    set_passwords(app, "teacher")
    stale = TOKEN.search(b.text("/login")).group(1)
    b.client.post("/login", data={"username": "teacher", "password": PASSWORD, "csrf_token": stale})
    b.client.post("/logout", data={"csrf_token": TOKEN.search(b.text("/work")).group(1)})  # another tab
    r = b.client.post("/login?next=/cases", data={"username": "teacher", "password": PASSWORD,
                                                  "csrf_token": stale})
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/cases"
    assert "登录页面已过期" in b.text(r.headers["Location"])


def test_the_new_case_form_sent_after_a_logout_comes_back_filled(app, bx):
    b = Browser(app, "teacher")
    token = TOKEN.search(b.text("/cases/new")).group(1)
    b.client.post("/logout", data={"csrf_token": token})
    r = b.client.post("/cases/new", data={"student_id": str(bx.district.pupils[0]), "detected_on": "2026-11-30",
                                          "source": "teacher", "note": "连续 5 天未到校，电话无人接", "csrf_token": token},
                      headers={"Referer": "http://localhost/cases/new"})
    assert r.status_code == 302 and "ended=1" in r.headers["Location"]
    r, _ = _login(b, "teacher", r.headers["Location"])
    assert r.headers["Location"] == "/cases/new"
    page = b.text("/cases/new")
    assert "连续 5 天未到校，电话无人接" in page and 'value="2026-11-30"' in page
