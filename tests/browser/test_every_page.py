"""Every page, every role, desktop and phone: each text meets WCAG AA contrast, and at 390 px nothing
scrolls sideways and no word of the header breaks over two lines.

The pages are not listed here: they are every GET rule of the `views` blueprint (app.url_map), their
<case_id>, <student_id>... filled from a scene built through the API, so a page added later is checked
without touching this file. A rule with an argument no scene value fills fails the test naming it (add
the value to `values()`), unless it names a file (`.<fmt>`, `.pdf`...). Answers that are not HTML (a
download, JSON) and pages the role may not open (403/404) are skipped; a 500 is a failure.

Each page is loaded once per role, every <details> opened (the action forms), measured at 1366×768 and
again at 390×844; plus two states no URL reaches: a refused home-visit form (field errors shown) and
the case page after an off-ramp closed it. The measuring is tests/browser/page_checks.js.
"""
import hashlib
import itertools
import pathlib
import re

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.deadlines import actions

from app.attendance import warning
from app.attendance.absences import Mark, record
from app.attendance.schooldays import last_school_days
from app.audit import history
from app.auth.actor import act_as
from app.deadlines import calendar
from app.auth.roles import ROLES as ALL_ROLES
from app.auth.scope import unit_by_code
from app.district import saved
from app.extensions import db
from app.models import Case, Mismatch, Notification, User
from tests.deadline_helpers import remind_on_time
from tests.district import USERS, VALID, app_today
from tests.registers_helpers import household_csv, poverty_csv, upload
from tests.web import PASSWORD

CHECKS = (pathlib.Path(__file__).parent / "page_checks.js").read_text(encoding="utf-8")
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# One user per role of the test district (the others are the same role elsewhere).
ROLES = {}
for _user, (_role, _unit) in USERS.items():
    ROLES.setdefault(_role, _user)
FILE_LIKE = re.compile(r"\.(<[^>]+>|pdf|xlsx|xls|csv|json|png|svg|zip)$")
SKIPPED_STATUS = (403, 404)


@pytest.fixture
def scene(app, bx):
    """Cases at every kind of stage, including one closed through an off-ramp and a school's monthly
    report; the values the URL rules' arguments take."""
    rich = bx.case_in("joint_return")
    bx.step(rich["id"], "verify", "bureau")
    bx.step(rich["id"], "invite_partner", "bureau")
    bx.step(rich["id"], "log_joint_action", "bureau", department="education_bureau", action="教育局约谈家长")
    bx.step(rich["id"], "log_joint_action", "partner")
    visiting = bx.case_in("visiting")
    bx.step(visiting["id"], "log_visit", "teacher")
    # a visit with an evidence file (the records list it; the file itself is a download, not a page)
    assert bx.post_files(f"/cases/{visiting['id']}/transitions/log_visit",
                         {**VALID["log_visit"], "visited_on": app_today(), "version": bx.case(visiting["id"])["version"]},
                         [bx.RECEIPT], as_="teacher").status_code == 200
    back = bx.case_in("re_enrolled")
    bx.log_follow_up(back["id"], "two_weeks")
    closed = bx.open()
    bx.step(closed["id"], "close_false_alarm", "bureau")
    late = bx.open()  # left alone: its report deadline passes and it escalates (L1, L2 badges, notices)
    remind_on_time(app)
    for days in (8, 16):
        clock.freeze(clock.now() + timedelta(days=days))
        with app.app_context():
            actions.sweep()
            db.session.remove()
    with app.app_context():
        school = unit_by_code("SA").id
        assert db.session.get(Case, late["id"]).escalation_level >= 1
    report = bx.post("/cases", {"workflow": "school_report", "school_id": school, "month": "2026-11"},
                     as_="school_admin")
    with app.app_context():
        receiving = unit_by_code("SB").id
    transfer = bx.request_transfer(bx.pupil(), to_school_id=receiving)  # waits on SB's school admin
    assert report.status_code == 201, report.get_json()
    # submitted: its case page lists the frozen version, and the version's printable 月报表 is a page
    submitted = bx.fire(report.get_json()["id"], "submit_report", "school_admin",
                        data={"enrolled": 900, "dropouts_found": 1, "returned": 0})
    assert submitted.status_code == 200, submitted.get_json()
    for register, data in (("household", household_csv()), ("poverty", poverty_csv())):  # 四查三比对
        assert upload(bx, register, data).status_code == 200
    assert bx.post("/registers/compare", {}).status_code == 200
    with app.app_context():
        mismatches = list(db.session.scalars(select(Mismatch.id).order_by(Mismatch.id)))
        teacher = db.session.execute(select(User).where(User.username == "teacher")).scalar_one()
        notice = db.session.execute(select(Notification.id).limit(1)).scalar()
        pupil = db.session.get(Case, rich["id"]).pupil_id
        bureau = db.session.execute(select(User).where(User.username == "bureau")).scalar_one()
        shared = saved.save(act_as(bureau), "全区逾期", "overdue=1", bureau.assignments[0].unit_id, clock.now())
        db.session.commit()
        # the attendance page with absentees marked, and the risk list with a pupil on it
        days = last_school_days(calendar.local_date(clock.now()), 2)
        record([Mark(pupil, d, i == 0, "病假" if i == 0 else "电话联系不上") for i, d in enumerate(days)],
               history.by(teacher))
        warning.run()
        values = {
            "case_id": [rich["id"], visiting["id"], back["id"], closed["id"], late["id"], report.get_json()["id"],
                        transfer["id"]],
            "sha256": [hashlib.sha256(bx.RECEIPT[1]).hexdigest()],
            "student_id": [pupil], "pupil_id": [pupil], "user_id": [teacher.id], "unit_id": [school],
            "notification_id": [notice] if notice else [], "role": list(ALL_ROLES), "filter_id": [shared.id],
            "mismatch_id": mismatches[:2], "n": [1],
        }
    return {"values": values, "visiting": visiting["id"], "closed": closed["id"]}


def page_urls(app, values: dict) -> tuple[list[str], list[str]]:
    """(the URL of every GET page of the views blueprint, each argument filled with each value it takes;
    the rules no value fills)."""
    urls, unfilled = [], []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.endpoint.startswith("views.") or "GET" not in rule.methods:
                continue
            args = sorted(rule.arguments - set(rule.defaults or {}))
            missing = [a for a in args if a not in values]
            if missing:
                if not FILE_LIKE.search(rule.rule):  # a file is not a page: no need to fill it
                    unfilled.append(f"{rule.rule} ({', '.join(missing)})")
                continue
            for combo in itertools.product(*(values[a] for a in args)):
                urls.append(rule.build(dict(zip(args, combo)), append_unknown=False)[1])
    return urls, unfilled


def measure(page, *, phone: bool) -> dict:
    return page.evaluate(CHECKS, {"contrast": True, "overflow": phone})


def open_everything(page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")


def problems_of(where: str, result: dict) -> list[str]:
    out = []
    for c in result["contrast"]:
        why = c["unknown"] or f"{c['ratio']}:1 < {c['need']}:1"
        out.append(f"{where}: contrast {why} — {c['selector']} «{c['text']}» {c['color']} on {c['background']} "
                   f"({c['size']}px/{c['weight']})")
    o = result["overflow"]
    if o and o["scrollWidth"] > o["innerWidth"]:
        sticking = "; ".join(f"{c['selector']} to {c['right']}px «{c['text']}»" for c in o["culprits"])
        out.append(f"{where}: scrolls sideways ({o['scrollWidth']}px > {o['innerWidth']}px): {sticking}")
    for h in result["header"]:
        out.append(f"{where}: header word «{h['word']}» broken over {h['lines']} lines — {h['selector']}")
    return out


def check_loaded(page, where: str) -> list[str]:
    """Measure the page as loaded, with every <details> open, at desktop then phone size."""
    open_everything(page)
    page.set_viewport_size(DESKTOP)
    found = problems_of(f"{where} @1366", measure(page, phone=False))
    page.set_viewport_size(PHONE)
    found += problems_of(f"{where} @390", measure(page, phone=True))
    page.set_viewport_size(DESKTOP)
    return found


def visit(page, url: str) -> tuple[str, object]:
    """('ok', response) | ('skip', why) | ('fail', why)."""
    if FILE_LIKE.search(url.split("?")[0]):
        r = page.request.get(url)
        if "text/html" not in r.headers.get("content-type", ""):
            return "skip", r.headers.get("content-type")
    try:
        response = page.goto(url)
    except Exception as e:  # a download (attachment) is not a page
        if "Download is starting" in str(e) or "ERR_ABORTED" in str(e):
            return "skip", "download"
        raise
    if response.status in SKIPPED_STATUS:
        return "skip", response.status
    if response.status >= 400:
        return "fail", f"{url}: answers {response.status}: {page.locator('main').inner_text()[:300]}"
    if "text/html" not in response.headers.get("content-type", ""):
        return "skip", response.headers.get("content-type")
    return "ok", response


def report(found: list[str], limit: int = 60) -> str:
    """The problems, the same element and colours once (with how many pages show it)."""
    counted = {}  # the problem with its rows' positions left out -> (the first as found, where)
    for line in found:
        where, what = line.split(": ", 1)
        key = re.sub(r":nth-of-type\(\d+\)|#event-\d+|(to|>) \d+px|«[^»]*»", "", what)
        counted.setdefault(key, (what, []))[1].append(where)
    lines = [f"{what}\n      on {wheres[0]}" + (f" and {len(wheres) - 1} more" if len(wheres) > 1 else "")
             for what, wheres in counted.values()]
    more = f"\n... and {len(lines) - limit} more" if len(lines) > limit else ""
    return f"{len(lines)} problems:\n  " + "\n  ".join(lines[:limit]) + more


# Chinese for every role; English (longer words, the other layout risk) for the phone's main user and
# the bureau, who sees the most pages.
RUNS = [(None, "zh"), *((role, "zh") for role in ROLES), ("class_teacher", "en"), ("bureau_officer", "en")]


@pytest.mark.parametrize("role, lang", RUNS, ids=[f"{r or 'anonymous'}-{lang}" for r, lang in RUNS])
def test_every_page_is_readable_and_fits_a_phone(app, browser, live_server, passwords, scene, role, lang):
    urls, unfilled = page_urls(app, scene["values"])
    assert not unfilled, f"no value for the arguments of {unfilled}: add one to the scene in {__file__}"
    context = browser.new_context(base_url=live_server, viewport=DESKTOP,
                                  locale={"zh": "zh-CN", "en": "en-US"}[lang])
    context.set_default_timeout(15_000)
    page = context.new_page()
    user = ROLES.get(role)
    if user:
        page.goto("/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        assert "/login" not in page.url, f"{user} could not log in"
    if lang != "zh":
        with page.expect_navigation():
            page.click(f"header button[name=lang][value={lang}]")
    found, checked, seen = [], [], set()
    try:
        for url in urls:
            outcome, detail = visit(page, url)
            if outcome == "fail":
                found.append(f"{role} {url}: {detail}")
                continue
            landed = page.url.split("?")[0]
            if outcome == "skip" or landed in seen:  # a redirect to a page already checked
                continue
            seen.add(landed)
            checked.append(url)
            page_lang = page.locator("html").get_attribute("lang")[:2]
            found += check_loaded(page, f"{role or 'anonymous'}/{lang} {url}")
        if role == "class_teacher":
            found += refused_visit(page, scene["visiting"], lang)
    finally:
        context.close()
    assert checked, f"{role} could open no page at all"
    assert page_lang == lang
    if found:
        pytest.fail(f"{role}/{lang} — {len(checked)} pages checked; " + report(found), pytrace=False)


def refused_visit(page, case_id: int, lang: str) -> list[str]:
    """The home-visit form sent empty: the page comes back with the errors beside the fields."""
    page.goto(f"/cases/{case_id}")
    page.click("#action-log_visit > summary")
    with page.expect_navigation():
        page.click("#action-log_visit button[type=submit]")
    assert page.locator("#action-log_visit .field.invalid").count() >= 1
    return check_loaded(page, f"class_teacher/{lang} /cases/{case_id} (refused home visit)")


def test_the_checks_see_what_they_look_for(browser):
    """The measuring itself, on a page made to fail: pale text, white on pale pink in a closed stage,
    small grey SVG text on a light bar, a table wider than a phone, a header word broken in two."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_content("""<html><body style="margin:0">
      <header class="top" style="width:40px"><a>工作台</a></header>
      <p id="pale" style="color:#aaa">浅灰</p>
      <p id="big" style="color:#888;font-size:24px">大字</p>
      <ol><li id="closed" style="background:#fde8e8;color:#fff;font-weight:700">误报结案</li></ol>
      <div style="background:linear-gradient(#fff,#0b6e4f)"><span id="gradient" style="color:#fff">渐变</span></div>
      <svg width="200" height="40"><rect width="200" height="40" fill="#cfdbe8"/>
        <text id="svg" x="5" y="25" fill="#8a8a8a" font-size="10">×</text></svg>
      <table><tr><td style="white-space:nowrap">一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十</td></tr></table>
      <details><summary>表单</summary><p id="hidden" style="color:#eee">关着看不见</p></details>
    </body></html>""")
    found = {c["selector"]: c for c in measure(page, phone=True)["contrast"]}
    assert {"#pale", "#closed", "#gradient", "#svg"} <= set(found)
    assert found["#closed"]["ratio"] == 1.17 and found["#svg"]["ratio"] < 3
    assert "#big" not in found and "#hidden" not in found  # large text needs 3:1; closed details is not shown
    result = measure(page, phone=True)
    assert result["overflow"]["scrollWidth"] > PHONE["width"] and result["overflow"]["culprits"]
    assert result["header"] and result["header"][0]["word"] == "工作台"
    context.close()
