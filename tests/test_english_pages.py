"""In English, the pages a bureau officer and a school read all day have no Chinese left but the data
people typed or named (issue 12, "English"): the timeline (its tooltips, enum values, multi-choice
values), the case page's records, the dashboard (its legends), and the refusal of a step's guard."""
import re

from sqlalchemy import select

from app.extensions import db
from app.models import CaseEvent, OrgUnit, Pupil, User
from tests.payloads import VALID
from tests.web import Browser, form_fields

CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def _visible(html: str) -> str:
    """Text and attributes (tooltips are titles), not scripts or styles."""
    return re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)


def _typed(app) -> set[str]:
    """What people named or typed: pupils' names (masked too), units, users, and every text answer."""
    data = {"简体中文"}
    with app.app_context():
        for p in db.session.execute(select(Pupil)).scalars():  # the roster: names, address, guardians
            data |= {p.name, p.to_dict(masked=True)["name"], p.address, p.township, p.village}
            data |= {v for v in _strings(p.guardians)}
        data |= {u.name for u in db.session.execute(select(OrgUnit)).scalars()}
        data |= {u.display_name for u in db.session.execute(select(User)).scalars() if u.display_name}
        for e in db.session.execute(select(CaseEvent)).scalars():
            data |= {v for v in _strings(e.data)}
    return data


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def rich_case(bx) -> int:
    """A case with most kinds of record: reasons (multi-choice), visits, a joint return with a partner,
    the bureau's verification, a return to school with aid, a follow-up, a relapse and notes."""
    case = bx.case_in("joint_return")
    cid = case["id"]
    bx.step(cid, "verify", "bureau")
    bx.step(cid, "invite_partner", "bureau")
    bx.step(cid, "log_joint_action", "bureau")
    bx.step(cid, "log_joint_action", "partner")
    bx.step(cid, "add_note", "school_admin")
    bx.step(cid, "re_enroll", "school_admin")
    bx.log_follow_up(cid, "two_weeks")
    return cid


def english(app, who):
    b = Browser(app, who)
    assert b.post("/language", {"lang": "en", "next": "/work"}).status_code == 302
    return b


def chinese_left(page: str, typed: set[str]) -> list[str]:
    """CJK left but data. The official term glossed after its English is meant (a reader matches the
    Chinese forms by it): "Student number (学籍号)", "Student record (学籍) restored"."""
    page = _visible(page).replace("(学籍号)", "").replace("(学籍)", "")
    return sorted({run for run in CJK_RUN.findall(page) if not any(run in d for d in typed)})


def test_timeline_case_page_and_dashboard_in_english_have_no_chinese_but_data(app, bx):
    cid = rich_case(bx)
    typed = _typed(app)
    for who, path in (("school_admin", f"/cases/{cid}"), ("bureau", f"/cases/{cid}"),
                      ("supervisor", f"/cases/{cid}/timeline"), ("bureau", "/dashboard")):
        r = english(app, who).get(path)
        assert r.status_code == 200, path
        page = r.get_data(as_text=True)
        assert 'lang="en"' in page
        assert not chinese_left(page, typed), (path, chinese_left(page, typed))
        if path.endswith("/timeline"):  # multi-choice values by their English labels, joined in English
            assert "Learning difficulties / aversion to school, Family reasons" in page
            assert "Township government" in page  # a department: a single choice



def test_the_aid_guard_reads_as_english(app, bx):
    """Re-enrolling a pupil who left for economic hardship without saying what aid was arranged is
    refused with a message an English reader understands, on the field it is about."""
    case = bx.open()
    bx.step(case["id"], "report", "school_admin", reasons=["economic"])
    case = bx.step(case["id"], "start_visits", "school_admin")
    data = form_fields(dict(VALID["re_enroll"], aid_arranged=""))
    data |= {"version": str(case["version"]), "seen_seq": "0"}
    r = english(app, "school_admin").post(f"/cases/{case['id']}/actions/re_enroll", data)
    text = r.get_data(as_text=True)
    assert r.status_code == 422, text[:300]
    assert "Economic hardship is among the reasons: say what financial aid has been arranged" in text
    assert "须填写资助安排" not in text
