"""The case file: the case page shows every record by the stage it belongs to, the stage bar shows a
relapse, the role of an assignee once, an action lands on the record it made; and the printed file
(辍学学生档案) and the official forms as A4 PDFs, masked and logged like the page, 404 out of scope."""
import copy
from datetime import date, timedelta
from io import BytesIO
from types import SimpleNamespace as E

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app import clock
from app.auth.roles import ROLES
from app.casefile import path
from app.engine import definition, machine
from app.extensions import db
from app.models import AccessLog, User
from tests.test_toy_workflow import FIGURES, T0, open_report, step
from tests.test_web_cases import act
from tests.district import app_today
from workflows.dropout import DEFINITION

A4 = (595, 842)  # points, rounded


@pytest.fixture
def t0(app):
    """The monthly report's tests' day (its deadlines count from the report's month)."""
    clock.freeze(T0)
    return T0


def worked_case(bx, *, relapse=False):
    """A case through every kind of record: notes, the bureau's check, the reason for the joint
    return, an invitation, a return (and, with relapse, a relapse and another visit)."""
    case = bx.open(note="连续 5 天未到校, 电话无人接")
    cid = case["id"]
    bx.step(cid, "add_note", "teacher", text="今天班主任去了村里")
    bx.step(cid, "report", "school_admin")
    bx.step(cid, "verify", "bureau", note="核查属实, 教育局意见: 尽快劝返", checked_by="李科长")
    bx.step(cid, "start_visits", "school_admin")
    bx.step(cid, "log_visit", "teacher")
    bx.step(cid, "log_visit", "teacher")
    bx.step(cid, "escalate_joint", "school_admin", text="两次家访未果, 家长拒绝沟通")
    bx.step(cid, "invite_partner", "bureau", note="请乡镇协助联合劝返")
    bx.step(cid, "log_joint_action", "partner")
    case = bx.step(cid, "re_enroll", "school_admin")
    if relapse:
        bx.step(cid, "relapse", "teacher", note="复学两周后再次缺课")
        case = bx.step(cid, "log_visit", "teacher", content="复辍后的第一次家访")
    return case


def records_html(page: str) -> str:
    return page.split('id="records"')[1]


# ── 1. every record, by stage ──────────────────────────────────────────────────────────────────

def test_the_case_page_shows_every_record_grouped_by_stage(bx, as_):
    case = worked_case(bx)
    page = as_("school_admin").text(f"/cases/{case['id']}")
    shown = records_html(page)
    for typed in ("连续 5 天未到校", "今天班主任去了村里", "核查属实, 教育局意见: 尽快劝返", "李科长",
                  "两次家访未果, 家长拒绝沟通", "请乡镇协助联合劝返", "一个月内返校", "乡镇干部上门"):
        assert typed in shown, typed
    # each event with a form appears once as a record
    recorded = [e for e in bx.events(case["id"]) if e["data"].get("form")]
    assert shown.count('class="record"') == len(recorded)
    # grouped by stage, in the order the case went: the note at detection, the check while reported...
    order = [shown.index(f'id="stage-{s}-1"') for s in ("detected", "reported", "visiting", "joint_return",
                                                          "re_enrolled")]
    assert order == sorted(order)
    detected = shown.split('id="stage-detected-1"')[1].split('id="stage-reported-1"')[0]
    assert "今天班主任去了村里" in detected
    joint = shown.split('id="stage-joint_return-1"')[1].split('id="stage-re_enrolled-1"')[0]
    assert "两次家访未果" in joint and "请乡镇协助联合劝返" in joint and 'id="records-joint_actions"' in joint


def test_the_records_are_masked_for_a_role_without_need(bx, as_):
    case = worked_case(bx)
    bx.step(case["id"], "add_note", "teacher", text="学生1的母亲 13912345678 说孩子在县城")
    page = records_html(as_("supervisor").text(f"/cases/{case['id']}"))
    assert "孩子在县城" in page and "学生1" not in page and "13912345678" not in page and "139****5678" in page
    assert "学生1" in records_html(as_("teacher").text(f"/cases/{case['id']}"))


# ── 3. the stage bar shows a relapse ───────────────────────────────────────────────────────────

def test_a_relapsed_case_shows_where_it_went_back_and_what_is_current(bx, as_):
    case = worked_case(bx, relapse=True)
    page = as_("school_admin").text(f"/cases/{case['id']}")
    bar = page.split('id="stagebar"')[1].split("</ol>")[0]
    items = [li.split(">", 1)[1] for li in bar.split("<li ")[1:]]
    assert any("再次辍学" in li and "劝返中" in li for li in items)  # the return marker, what it went back to
    current = [li for li in bar.split("<li ")[1:] if 'aria-current="step"' in li]
    assert len(current) == 1 and "劝返中" in current[0]
    # the stages done before the relapse are not shown as done now
    joint = next(li for li in bar.split("<li ")[1:] if "联合劝返</li>" in li or "联合劝返<span" in li)
    assert 'class="earlier"' in joint
    marker = bar.index("再次辍学")
    assert bar.index("已复学") < marker < bar.index("跟踪完成")
    # the records: the second round of visiting has its own stage, with the relapse's note
    assert 'id="stage-visiting-2"' in page and "复学两周后再次缺课" in page.split('id="stage-visiting-2"')[1]


def test_a_case_that_never_went_back_has_no_marker(bx, as_):
    case = worked_case(bx)
    bar = as_("school_admin").text(f"/cases/{case['id']}").split('id="stagebar"')[1].split("</ol>")[0]
    assert 'class="return"' not in bar and 'class="earlier"' not in bar and bar.count('class="done"') == 4


# ── 4. the role once ───────────────────────────────────────────────────────────────────────────

def test_an_assignee_whose_name_says_the_role_is_shown_with_it_once(app, bx, as_):
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "leader")).scalar_one()
        user.display_name = "钱主任 (7年级 包年级领导)"
        db.session.commit()
    case = bx.open()
    bx.step(case["id"], "assign", "school_admin")
    page = as_("school_admin").text(f"/cases/{case['id']}")
    who = page.split("负责人")[1].split("</dd>")[0]
    assert "钱主任 (7年级 包年级领导)" in who and who.count("包年级领导") == 1



def test_a_record_names_who_made_it_by_display_name_and_role_once(app, bx, as_):
    with app.app_context():
        for username, shown in (("teacher", "王老师"), ("school_admin", "赵专干 (SA中学 校长/控辍专干)"),
                                ("bureau", "教育局 控辍专干")):
            db.session.execute(select(User).where(User.username == username)).scalar_one().display_name = shown
        db.session.commit()
    case = bx.open()
    bx.step(case["id"], "report", "school_admin")
    page = as_("school_admin").text(f"/cases/{case['id']}")
    records = page.split('id="records"')[1]
    assert "王老师 (班主任)" in records and "赵专干 (SA中学 校长/控辍专干)" in records
    assert "赵专干 (SA中学 校长/控辍专干) (" not in records and "· teacher (" not in records
    bx.step(case["id"], "verify", "bureau")
    records = as_("school_admin").text(f"/cases/{case['id']}").split('id="records"')[1]
    assert "教育局 控辍专干" in records and "教育局 控辍专干 (" not in records  # the label, spaced: still once
    _, text = pdf_text(as_("school_admin").get(f"/cases/{case['id']}/file.pdf").data)
    assert "王老师" in text.replace(" ", "")

# ── 5. anchors ─────────────────────────────────────────────────────────────────────────────────

def test_after_a_step_the_page_lands_on_the_record_it_made(bx, as_):
    case = bx.case_in("joint_return")
    bx.step(case["id"], "invite_partner", "bureau")
    case = bx.case(case["id"])
    # re-enrolment ends the invitation too: the step writes more than its own event
    r = act(as_("school_admin"), case, "re_enroll", case["version"])
    assert r.status_code == 302
    seq = next(e["seq"] for e in bx.events(case["id"]) if e["action"] == "re_enroll")
    assert r.headers["Location"].endswith(f"#event-{seq}")
    assert f'id="event-{seq}"' in as_("school_admin").text(f"/cases/{case['id']}")


def test_every_form_posts_to_its_own_anchor(bx, as_):
    """A refused form comes back with the browser at the form: the fragment of the form's action."""
    case = bx.open()
    page = as_("school_admin").text(f"/cases/{case['id']}")
    assert f'action="/cases/{case["id"]}/actions/report#action-report"' in page


# ── 2. the printed case file ───────────────────────────────────────────────────────────────────

def pdf_text(body: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(BytesIO(body))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def is_a4(reader: PdfReader) -> bool:
    return all((round(float(p.mediabox.width)), round(float(p.mediabox.height))) == A4 for p in reader.pages)


def test_the_case_file_is_an_a4_pdf_with_everything_and_logged(app, bx, as_):
    case = worked_case(bx)
    page = as_("teacher").text(f"/cases/{case['id']}")
    assert f'href="/cases/{case["id"]}/file.pdf"' in page
    r = as_("teacher").get(f"/cases/{case['id']}/file.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    reader, text = pdf_text(r.data)
    assert is_a4(reader)
    squashed = text.replace(" ", "").replace("\n", "")
    for wanted in ("辍学学生档案", "学生1", "SA中学", "今天班主任去了村里", "核查属实", "两次家访未果", "请乡镇协助联合劝返",
                   "初中学生辍学情况报告表", "一人一案", "厌学", "按时完成", "班主任", "校长", "教育局", "日期"):
        assert wanted.replace(" ", "") in squashed, wanted
    with app.app_context():
        log = db.session.execute(select(AccessLog).order_by(AccessLog.id.desc())).scalars().first()
        assert log.via == "pdf:file" and log.case_id == case["id"] and log.what == "export"


def test_the_case_file_is_masked_for_a_role_without_need(bx, as_):
    case = worked_case(bx)
    bx.step(case["id"], "add_note", "teacher", text="学生1的母亲 13912345678 说孩子在县城")
    r = as_("supervisor").get(f"/cases/{case['id']}/file.pdf")
    assert r.status_code == 200
    _, text = pdf_text(r.data)
    squashed = text.replace(" ", "").replace("\n", "")
    assert "孩子在县城" in squashed and "个人信息已脱敏" in squashed
    assert "学生1" not in squashed and "13912345678" not in squashed and "13800000001" not in squashed


def test_the_official_forms_print_on_their_own(bx, as_):
    case = worked_case(bx)
    teacher = as_("teacher")
    r = teacher.get(f"/cases/{case['id']}/documents/dropout_report.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    reader, text = pdf_text(r.data)
    squashed = text.replace(" ", "").replace("\n", "")
    assert is_a4(reader) and "初中学生辍学情况报告表" in squashed and "学生1" in squashed
    assert "已采取的措施" in squashed and "一人一案" not in squashed
    r = teacher.get(f"/cases/{case['id']}/documents/return_plan.pdf")
    _, text = pdf_text(r.data)
    squashed = text.replace(" ", "").replace("\n", "")
    assert "一人一案" in squashed and "一个月内返校" in squashed and "王校长" in squashed
    assert teacher.get(f"/cases/{case['id']}/documents/nothing.pdf").status_code == 404


def test_the_pdfs_are_404_out_of_scope_like_the_case_page(bx, as_):
    case = bx.open()
    other = as_("other_admin")
    for url in (f"/cases/{case['id']}", f"/cases/{case['id']}/file.pdf",
                f"/cases/{case['id']}/documents/dropout_report.pdf", f"/cases/{case['id']}/documents/nothing.pdf",
                "/cases/999999/file.pdf"):
        assert other.get(url).status_code == 404, url


def test_a_case_of_another_workflow_gets_a_generic_file_of_its_records(app, bx, as_, t0):
    case = open_report(bx)
    step(bx, case, "submit_report", "school_admin", **FIGURES)
    admin = as_("school_admin")
    page = admin.text(f"/cases/{case['id']}")
    assert f'/cases/{case["id"]}/file.pdf' in page and "/documents/" not in page  # it declares no forms
    r = admin.get(f"/cases/{case['id']}/file.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    reader, text = pdf_text(r.data)
    squashed = text.replace(" ", "").replace("\n", "")
    assert is_a4(reader) and "SA中学" in squashed and "两名学生外出务工" in squashed and "900" in squashed
    assert "辍学学生档案" not in squashed and "初中学生辍学情况报告表" not in squashed
    assert "校长/控辍专干" in squashed  # signed by the roles that recorded its steps
    assert admin.get(f"/cases/{case['id']}/documents/dropout_report.pdf").status_code == 404


def test_the_file_says_which_deadlines_were_met_late_or_missed(bx, as_):
    case = bx.open()
    start = date.fromisoformat(app_today())
    bx.at_day(start + timedelta(days=14))  # the report was due 3 working days after detection
    _, text = pdf_text(as_("school_admin").get(f"/cases/{case['id']}/file.pdf").data)
    assert "未完成,已逾期" in text.replace(" ", "") and "个工作日" in text
    bx.step(case["id"], "report", "school_admin")
    _, text = pdf_text(as_("school_admin").get(f"/cases/{case['id']}/file.pdf").data)
    squashed = text.replace(" ", "").replace("\n", "")
    late = squashed.split("逾期")[1].split("个工作日完成")[0]
    assert late.isdigit() and int(late) >= 5


# ── plain functions ────────────────────────────────────────────────────────────────────────────

def test_a_document_naming_an_unknown_action_is_refused_at_start_up():
    raw = copy.deepcopy(DEFINITION)
    raw["documents"][0]["records"]["filed"] = "no_such_step"
    with pytest.raises(definition.DefinitionError, match="document dropout_report: unknown action 'no_such_step'"):
        definition.build(raw, ROLES)


def test_a_return_is_a_step_to_an_earlier_main_state_whatever_the_names(app):
    defn = machine.get("dropout")
    main = [n for n, s in defn.states.items() if s.main]
    events = [E(seq=i + 1, at=None, action=f"step{i}", from_state=a, to_state=b)
              for i, (a, b) in enumerate(zip([None] + main[:4], main[:5]))]
    events.append(E(seq=9, at=None, action="back", from_state=main[4], to_state=main[2]))
    back = path.returns(defn, events)
    assert [(r.from_state, r.to_state, r.action) for r in back] == [(main[4], main[2], "back")]
    bar = path.bar(defn, E(state=main[2]), events)
    assert [b.status for b in bar] == ["done", "done", "current", "earlier", "earlier", "todo"]
    assert [len(b.returns) for b in bar] == [0, 0, 0, 0, 1, 0]
