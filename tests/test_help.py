"""The help pages: /help explains the stages, the deadlines, L1–L3 and working days from the workflow
definitions and the calendar; /help/<role> each role's daily work; the header links to help on every
page, the work page to the reader's own role, and the countdown and L1–L3 badges to their explanation."""
import re
from datetime import date, timedelta

import pytest

from app import clock
from app.auth.roles import ROLES
from app.engine import machine
from tests.test_field_help import Elements
from tests.test_web_notices import NOW, overdue_notices
from tests.web import Browser


def _text(html: str, element_id: str) -> str:
    return re.sub(r"\s+", " ", Elements(html).text[element_id])


def test_help_lists_every_role_and_each_role_has_its_page(app, district):
    teacher = Browser(app, "teacher")
    page = Elements(teacher.text("/help"))
    for role in ROLES:
        assert page.by_id[f"help-role-{role}"]["href"] == f"/help/{role}"
        daily = Elements(teacher.text(f"/help/{role}"))
        assert daily.text["daily"].strip()  # the hand-written part
    assert "您的角色" in page.text["roles"]            # the teacher's own role is marked
    assert teacher.get("/help/nobody").status_code == 404
    assert Browser(app).get("/help").status_code == 302  # help is for users who logged in


def test_the_stages_come_from_each_workflow_s_definition_in_order(app, district):
    html = Browser(app, "teacher").text("/help")
    stages = _text(html, "stages")
    for defn in machine.registered().values():
        main = [s.zh for s in defn.states.values() if s.main]
        positions = [stages.index(label) for label in main]
        assert positions == sorted(positions), (defn.name, main)
    assert "下一步：上报 → 已上报 (校长/控辍专干)" in stages
    assert "误报结案 (教育局控辍专干)" in stages                 # the off-ramps, with who may take them
    clocks = Elements(html)
    row = re.sub(r"\s+", " ", clocks.text["clock-dropout-first_visit"])
    assert "进入「劝返中」时" in row and "5 个工作日" in row and "记录家访" in row
    assert "到期后再过 2 个工作日：通知 校长/控辍专干、教育局控辍专干" in row
    follow_up = re.sub(r"\s+", " ", clocks.text["clock-dropout-follow_up"])
    assert "从返校日期起算" in follow_up and "1 个月 (复学后1个月)" in follow_up
    assert "每月 28 日前" in clocks.text["clock-school_report-submission"]
    assert {"level-1", "level-2", "level-3"} <= set(clocks.by_id)


def test_working_days_are_explained_with_this_year_s_holidays_and_make_up_days(app, bx):
    bx.at_day(date(2026, 9, 28))
    html = Browser(app, "teacher").text("/help")
    example = _text(html, "working-days-example")
    # 3 working days from the day before National Day: 10-08, 10-09 and the make-up Saturday 10-10
    assert "2026-09-30 起 3 个工作日的时限，到期日是 2026-10-10" in example and "调休上班日" in example
    assert "2026-10-01 (国庆节)" in example
    assert "国庆节：2026-10-01 – 2026-10-07" in _text(html, "holidays")
    assert "2026-10-10 (国庆节)" in _text(html, "makeup-days")


def test_an_admin_s_calendar_day_off_changes_the_help_as_it_changes_deadlines(app, bx, runner):
    bx.at_day(date(2026, 9, 28))
    out = runner.invoke(args=["calendar", "set", "2026-10-09", "holiday", "县庆"])
    assert out.exit_code == 0, out.output
    html = Browser(app, "teacher").text("/help")
    assert "县庆：2026-10-09" in _text(html, "holidays")
    assert "到期日是 2026-10-12" in _text(html, "working-days-example")


def test_a_role_page_says_what_the_role_does_from_the_definition(app, district):
    teacher = Browser(app, "teacher")
    page = Elements(teacher.text("/help/class_teacher"))
    steps = re.sub(r"\s+", " ", page.text["steps-dropout"])
    assert "记录家访 — 劝返中" in steps and "备注 — 任何未结阶段" in steps and "上报" not in steps
    assert "首次家访" in page.text["reminded-dropout"]
    assert "escalated-dropout" not in page.by_id                  # nobody escalates to a class teacher
    assert "《班务日志》" in page.text["daily"]
    head = Elements(teacher.text("/help/bureau_head"))
    assert "L3" in head.text["escalated-dropout"] and "steps-dropout" not in head.by_id
    partner = Elements(teacher.text("/help/partner"))
    assert "记录联合劝返行动 — 联合劝返" in re.sub(r"\s+", " ", partner.text["steps-dropout"])


def test_help_in_english(app, district):
    teacher = Browser(app, "teacher")
    teacher.post("/language", {"lang": "en", "next": "/help"})
    html = teacher.text("/help")
    assert "Working days and" in html and "Home-visit persuasion" in html and "National Day" in html
    assert "5 working days" in _text(html, "clock-dropout-first_visit")
    role = teacher.text("/help/class_teacher")
    assert "Check your class's attendance every day" in role and "Log a home visit — Home-visit persuasion" in \
        re.sub(r"\s+", " ", Elements(role).text["steps-dropout"])
    assert not re.search(r"[\u4e00-\u9fff]", _text(html, "levels"))  # no Chinese left in the levels


@pytest.mark.parametrize("url", ["/work", "/cases", "/help", "/admin"])
def test_the_header_links_to_help_on_every_page(app, district, url):
    who = "admin" if url == "/admin" else "teacher"
    page = Elements(Browser(app, who).text(url))
    assert page.by_id["nav-help"]["href"] == "/help"


def test_the_work_page_links_the_reader_s_role_help(app, district):
    page = Elements(Browser(app, "leader").text("/work"))
    assert '<a href="/help/grade_leader">包年级领导</a>' in Browser(app, "leader").text("/work")
    assert "我的工作指南" in page.text["my-help"]


def test_countdown_and_level_badges_link_to_their_explanation(app, bx):
    overdue_notices(app, bx)
    clock.freeze(NOW + timedelta(days=7))  # a week later: a few working days overdue
    html = Browser(app, "bureau").text("/work")
    deadlines = html.split('id="deadlines"')[1].split("</section>")[0]
    assert re.search(r'<a href="/help#working-days" class="badge-link"><span class="badge overdue" '
                     r'title="按工作日计算：不含周末和法定节假日，调休上班日算工作日（点击查看说明）">逾期 \d+ 个工作日</span></a>',
                     deadlines), deadlines
    assert re.search(r'<a href="/help#level-1" class="badge-link"><span class="badge l1" title="升级级别 1：'
                     r'[^"]+">L1</span></a>', deadlines)
    assert 'href="/help#level-1"' in html.split('id="notifications"')[1]  # the notice's L1 too
