"""Every read of a case's timeline (page, JSON, CSV) and of unmasked data is in the access log, and
supervisors read the log per pupil and per user (API and page); other roles get 403."""
import pytest

from tests.registers_helpers import UNENROLLED
from tests.test_registers import county, mismatches  # noqa: F401 (county: the registers compared once)
from tests.web import Browser





def entries(bx, as_="supervisor", **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = bx.get(f"/access-log?{query}", as_=as_)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_every_timeline_read_is_logged_with_what_and_via(app, bx):
    case = bx.open()
    before = entries(bx)["total"]
    bx.get(f"/cases/{case['id']}/timeline", as_="supervisor")
    bx.get(f"/cases/{case['id']}/timeline.csv", as_="supervisor")
    page = Browser(app, "supervisor")
    page.text(f"/cases/{case['id']}/timeline")
    page.text(f"/cases/{case['id']}/timeline.csv")
    Browser(app, "teacher").text(f"/cases/{case['id']}")  # unmasked personal data
    body = entries(bx, pupil=case["pupil"]["id"])
    got = [(e["user"]["username"], e["what"], e["via"], e["case_id"]) for e in body["items"]][:5]
    assert got == [("teacher", "personal_data", "page:case", case["id"]),
                   ("supervisor", "export", "page:timeline.csv", case["id"]),
                   ("supervisor", "timeline", "page:timeline", case["id"]),
                   ("supervisor", "export", "api:timeline.csv", case["id"]),
                   ("supervisor", "timeline", "api:timeline", case["id"])]
    assert body["total"] == before + 5
    assert body["items"][0]["pupil"]["name"].endswith("*")  # the pupil shown masked
    assert "guardians" not in body["items"][0]["pupil"]


def test_the_log_filters_by_pupil_and_user_and_pages(app, bx):
    a, b = bx.open(), bx.open()
    for _ in range(3):
        bx.get(f"/cases/{a['id']}/timeline", as_="head")
    bx.get(f"/cases/{b['id']}/timeline", as_="head")
    only_a = entries(bx, pupil=a["pupil"]["id"], user="head")
    assert only_a["total"] == 3 and {e["case_id"] for e in only_a["items"]} == {a["id"]}
    assert entries(bx, user="head", per_page=2, page=2)["items"][0]["case_id"] == a["id"]
    assert entries(bx, user="head")["total"] == 4
    assert entries(bx, user="nobody")["total"] == 0
    r = bx.get("/access-log?pupil=abc", as_="supervisor")
    assert r.status_code == 400 and r.get_json()["field"] == "pupil"


@pytest.mark.parametrize("who", ["bureau", "head", "teacher", "school_admin", "partner", "admin"])
def test_only_supervisors_read_the_log(app, bx, who):
    assert bx.get("/access-log", as_=who).status_code == 403
    assert Browser(app, who).get("/audit/access").status_code == 403


def test_the_access_log_page_for_supervisors(app, bx):
    case = bx.open()
    Browser(app, "teacher").text(f"/cases/{case['id']}")
    page = Browser(app, "supervisor")
    assert 'id="nav-access-log"' in page.text("/work")
    assert 'id="nav-access-log"' not in Browser(app, "bureau").text("/work")
    html = page.text(f"/audit/access?pupil={case['pupil']['id']}")
    assert "page:case" in html and "teacher" in html
    assert case["pupil"]["name"] not in html and case["pupil"]["name"][0] + "**" in html  # masked
    html = page.text("/audit/access?user=teacher")
    assert "page:case" in html
    assert "没有记录" in page.text("/audit/access?user=nobody")
    assert page.get("/audit/access?pupil=x").status_code == 400


def test_a_page_number_past_the_database_integer_is_the_last_page_not_a_500(app, bx):
    # The access log, admin-event and authentication-log pages used an unbounded page number for their OFFSET
    # (PostgreSQL: bigint out of range -> 500); they share the case list's bounded one now.
    Browser(app, "teacher").text(f"/cases/{bx.open()['id']}")
    page = Browser(app, "supervisor")
    for path in ("/audit/access", "/audit/admin-events"):
        for n in ("99999999999999999999", "-3", "x"):
            r = page.get(f"{path}?page={n}")
            assert r.status_code == 200, (path, n, r.status_code)
    admin = Browser(app, "admin")
    for n in ("99999999999999999999", "-3", "x"):
        assert admin.get(f"/admin/auth-events?page={n}").status_code == 200, n


def test_reads_of_a_mismatchs_child_are_logged_though_no_school_lists_them(app, bx, county):
    child = mismatches(bx)[("not_enrolled", "未入学儿童")]
    before = entries(bx)["total"]
    mismatches(bx)
    assert entries(bx)["total"] == before  # the masked list is not a read of anyone's data
    full = bx.get(f"/registers/mismatches/{child['id']}", as_="bureau").get_json()
    assert full["id_number"] == UNENROLLED
    assert "未入学儿童" in Browser(app, "bureau").text(f"/registers/mismatches/{child['id']}")
    case_id = bx.post(f"/registers/mismatches/{child['id']}/review", {"visitor": "村主任 李明"},
                      as_="bureau").get_json()["case_id"]
    bx.get(f"/cases/{case_id}/timeline", as_="bureau")  # the visit's first event carries the mismatch

    got = entries(bx)["items"][:4]
    assert entries(bx)["total"] == before + 4
    assert [(e["user"]["username"], e["via"], e["case_id"]) for e in got] == [
        ("bureau", "api:timeline", case_id), ("bureau", "api:review_mismatch", None),
        ("bureau", "page:mismatch", None), ("bureau", "api:get_mismatch", None)]
    assert all(e["pupil"] is None and e["mismatch"]["id"] == child["id"] for e in got)
    shown = got[0]["mismatch"]
    assert shown["id_number"] == UNENROLLED[:6] + "********" + UNENROLLED[-4:] and shown["name"] == "未**"
    assert "未**" in Browser(app, "supervisor").text("/audit/access")
