"""The password policy, wherever a password is set: CLI `users add --password`, `users password`,
the admin users page, the change page (tests/test_sessions.py); and the demo password passes it."""
import pytest

from app.auth.passwords import policy_errors
from demo.district import PASSWORD as DEMO_PASSWORD
from tests.web import PASSWORD, Browser


@pytest.mark.parametrize("password,why", [
    ("p", "至少 10 个字符"), ("123456789", "至少 10 个字符"), ("aaaaaaaaaaaa", "不能全是同一个字符"),
    ("1234567890", "过于常见"), ("password123", "过于常见"), ("baoxue2026!", "过于常见"),
    ("qwertyuiop", "过于常见"), ("zhang-laoshi", "不能与用户名相同"),
])
def test_the_policy_refuses(password, why):
    assert any(why in e for e in policy_errors(password, "Zhang-Laoshi"))


@pytest.mark.parametrize("password", [DEMO_PASSWORD, PASSWORD, "河口中学-王老师-2026", "Tr0ub4dor&3x"])
def test_the_policy_accepts(password):
    assert policy_errors(password, "zhang") == []


def test_cli_users_add_refuses_a_weak_password_naming_the_field(runner, district):
    out = runner.invoke(args=["users", "add", "zhang", "--role", "class_teacher", "--unit", "SA-7-1",
                              "--password", "1"])
    assert out.exit_code == 1 and "password" in out.output and "至少 10 个字符" in out.output
    assert "no such user" in runner.invoke(args=["users", "tokens", "zhang"]).output  # no half-made user
    out = runner.invoke(args=["users", "add", "zhang", "--role", "class_teacher", "--unit", "SA-7-1",
                              "--password", "zhang-secret-26"])
    assert out.exit_code == 0


def test_cli_users_password_applies_the_policy_and_ends_sessions(app, runner, district):
    b = Browser(app, "teacher")
    out = runner.invoke(args=["users", "password", "teacher", "--password", "password1234"])
    assert out.exit_code == 1 and "过于常见" in out.output
    assert b.get("/work").status_code == 200
    out = runner.invoke(args=["users", "password", "teacher"], input="a-fine-new-password\na-fine-new-password\n")
    assert out.exit_code == 0, out.output
    assert b.get("/work").status_code == 302  # that session ended
    fresh = Browser(app)
    r = fresh.client.post("/login", data={"username": "teacher", "password": "a-fine-new-password",
                                          "csrf_token": fresh.token()})
    assert r.status_code == 302
    assert runner.invoke(args=["users", "password", "nobody", "--password", "a-fine-new-password"]).exit_code == 1


def test_admin_page_refuses_a_weak_password_beside_the_field(app, district):
    admin = Browser(app, "admin")
    r = admin.post("/admin/users", {"username": "li", "display_name": "李老师", "role": "class_teacher",
                                    "unit": "SA-7-1", "password": "li"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "至少 10 个字符" in page.split('data-field="password"')[1].split("</div>")[0]
    assert 'id="user-li"' not in admin.text("/admin/users")
    r = admin.post("/admin/users", {"username": "li", "display_name": "李老师", "role": "class_teacher",
                                    "unit": "SA-7-1", "password": "li-laoshi-2026"})
    assert r.status_code == 302
