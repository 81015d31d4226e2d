"""Every page for every role, in both languages: the right answer (200, 403 or 404), never a 500."""
import pytest

from tests.web import Browser

PAGES = ["/work", "/cases", "/cases/new", "{case}", "{case}/timeline", "/dashboard", "/reports", "/admin"]
OK, NO, GONE = 200, 403, 404
EXPECTED = {  # per user: the status of each page above, for a case of class SA-7-1
    "teacher":       [OK, OK, OK, OK, OK, NO, NO, NO],
    "teacher2":      [OK, OK, OK, GONE, GONE, NO, NO, NO],   # another class: the case does not exist for them
    "leader":        [OK, OK, OK, OK, OK, OK, OK, NO],
    "school_admin":  [OK, OK, OK, OK, OK, OK, OK, NO],
    "bureau":        [OK, OK, OK, OK, OK, OK, OK, NO],
    "head":          [OK, OK, NO, OK, OK, OK, OK, NO],
    "supervisor":    [OK, OK, NO, OK, OK, OK, OK, NO],
    "partner":       [OK, OK, NO, GONE, GONE, NO, NO, NO],   # not invited to this case
    "other_admin":   [OK, OK, OK, GONE, GONE, OK, OK, NO],
    "admin":         [OK, OK, NO, GONE, GONE, NO, NO, OK],
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_for_every_role(app, bx, lang):
    case = bx.case_in("joint_return")
    bx.step(case["id"], "invite_partner", "bureau", username="partner2")
    for user, statuses in EXPECTED.items():
        b = Browser(app, user)
        b.post("/language", {"lang": lang, "next": "/work"})
        for page, want in zip(PAGES, statuses):
            url = page.format(case=f"/cases/{case['id']}")
            r = b.get(url)
            assert r.status_code == want, (user, url, r.status_code)
            assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in r.get_data(as_text=True)


def test_an_invited_partner_sees_the_case_and_may_log_a_joint_action(app, bx):
    case = bx.case_in("joint_return")
    bx.step(case["id"], "invite_partner", "bureau", username="partner")
    page = Browser(app, "partner").text(f"/cases/{case['id']}")
    assert 'id="action-log_joint_action"' in page and "个人信息已脱敏" in page
    assert f"#{case['id']}<" in Browser(app, "partner").text("/work")
