"""The English catalog: every message id the UI uses has its English, the compiled .mo is the .po,
placeholders survive translation; and the pages really switch language."""
import re
from datetime import timedelta

import pytest
from babel.messages.mofile import read_mo
from sqlalchemy import select

from tools import i18n_catalog as cat
from tests.web import Browser

FIX = ".venv/bin/python -m tools.i18n_catalog --update  # then write the empty msgstr in messages.po, run it again"
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def _key(msgid):
    return msgid[0] if isinstance(msgid, tuple) else msgid


@pytest.fixture(scope="module")
def catalog():
    assert cat.PO.exists(), f"no {cat.PO}: run {FIX}"
    return cat.load_catalog()


@pytest.fixture(scope="module")
def needed():
    return cat.wanted()


# ---------------------------------------------------------------- the catalog


def test_every_message_id_has_english(catalog, needed):
    ids = {_key(m) for m in needed}
    missing = sorted(m for m in ids if m not in catalog or not cat.translated(catalog[m]))
    assert not missing, (f"{len(missing)} message ids without English:\n  " + "\n  ".join(missing)
                         + f"\nFix: {FIX}")


def test_compiled_catalog_is_the_po(catalog):
    with open(cat.MO, "rb") as f:
        compiled = cat.messages(read_mo(f))
    expected = cat.messages(catalog)
    assert compiled == expected, (
        f"{cat.MO.name} is not compiled from {cat.PO.name} "
        f"({len(set(compiled.items()) ^ set(expected.items()))} entries differ): run {FIX}")


def test_placeholders_survive_translation(catalog):
    problems = cat.placeholder_problems(catalog)
    assert not problems, "\n".join(problems)


def test_placeholder_check_catches_mistakes():
    from babel.messages.catalog import Catalog
    c = Catalog(locale="en")
    c.add("逾期 %(n)s 个工作日", "%(days)s working days overdue")
    c.add("目标 %(d)s%%", "target %(d)s%")
    c.add("第 %(p)s / %(n)s 页", "Page %(p)s of %(n)s")
    problems = cat.placeholder_problems(c)
    assert len(problems) == 2 and "逾期" in problems[0] and "目标" in problems[1]


def test_extraction_finds_literal_and_runtime_ids():
    literal = cat.template_msgids()
    # _() in templates and views, with placeholders; items of a literal list indexed inside _(); a report
    # Column header (the case page's record sections, once a literal list here, are the definition's now)
    assert {"工作台", "逾期 %(num)s 个工作日", "用户名或密码错误", "周一", "本地调整", "在校生数"} <= literal
    assert "label" not in literal  # _(row["label"]) is a run-time translation, not a message id
    runtime = cat.runtime_msgids()
    # form labels and choices, choice lists, role labels, system actions, describe()'s 是/否, login form
    assert {"家访日期", "经济困难", "承诺返校", "教育局", "校长/控辍专干", "恢复官方安排", "升级督办", "系统",
            "是", "否", "在这台电脑上保持登录", "花名册文件(CSV 或 XLSX)"} <= runtime


def test_command_reports_ok_when_complete(capsys, catalog, needed):
    status = cat.main([])
    out = capsys.readouterr().out
    assert status == 0, out
    assert f"{len(needed)} message ids needed" in out


# ---------------------------------------------------------------- the pages


def _visible(html: str) -> str:
    """Text and attributes (titles, aria-labels, placeholders are read too), not scripts or styles."""
    return re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)


def _set_language(b: Browser, lang: str, page: str):
    assert b.post("/language", {"lang": lang, "next": page}).status_code == 302


def test_login_page_chinese_by_default_english_on_request(app):
    b = Browser(app)
    client = b.client
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "登录" in page and "用户名" in page and "Log in" not in page

    _set_language(b, "en", "/login")
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page
    for text in ("Log in", "Username", "Password", "Keep me logged in on this computer", "Baoxue"):
        assert text in page, text
    left = set(CJK_RUN.findall(_visible(page)))
    assert left <= {"简体中文"}, f"Chinese left on the English login page: {left}"

    _set_language(b, "zh", "/login")
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_work_page_in_english_has_chinese_only_in_data(app, bx):
    from app import clock
    from app.extensions import db
    from app.models import Deadline, Notification, OrgUnit, Pupil, User

    case = bx.open(as_="teacher")
    with app.app_context():
        admin = db.session.execute(select(User).where(User.username == "school_admin")).scalar_one()
        deadline = db.session.execute(select(Deadline).where(Deadline.case_id == case["id"])).scalars().first()
        assert deadline is not None
        now = clock.now()
        for kind, level in (("reminder", 0), ("overdue", 1), ("escalated", 2)):
            db.session.add(Notification(user_id=admin.id, case_id=case["id"], deadline_id=deadline.id, kind=kind,
                                        level=level, title="个案提醒", created_at=now - timedelta(minutes=level)))
        db.session.commit()
        data = {"简体中文"}
        for p in db.session.execute(select(Pupil)).scalars():
            data |= {p.name, p.to_dict(masked=True)["name"]}
        data |= {u.name for u in db.session.execute(select(OrgUnit)).scalars()}
        data |= {u.display_name for u in db.session.execute(select(User)).scalars() if u.display_name}

    b = Browser(app, "school_admin")
    client = b.client
    assert "工作台" in client.get("/work").get_data(as_text=True)  # the user's own language: 中文

    _set_language(b, "en", "/work")
    r = client.get("/work")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    for text in ("My work", "Cases waiting for me", "Due soon and overdue", "Unread notifications",
                 "Case", "New case", "Log out", "Mark as read", "Reminder:", "Overdue:", "Escalation:"):
        assert text in page, text
    left = {run for run in CJK_RUN.findall(_visible(page)) if not any(run in d for d in data)}
    assert not left, f"Chinese outside data on the English 工作台: {sorted(left)}"

    _set_language(b, "zh", "/work")
    assert "等待我处理的个案" in client.get("/work").get_data(as_text=True)


def test_counts_are_singular_or_plural_in_english(app, district):
    from tests.web import Browser
    admin = Browser(app, "admin")
    admin.post("/language", {"lang": "en", "next": "/admin/workflow"})
    page = admin.text("/admin/workflow")
    assert "1 working day ahead" in page and "3 working days ahead" in page and "working day(s)" not in page
    assert "3 months" in page and "1 month" in page
