"""The acceptance walk of the issue, clicked through the real pages in a real browser, as the people
who do each step: no API call moves the case. It reads like the seeds' procedure:

  班主任 opens the case from the roster → 控辍专干 reports it and starts the home visits (一人一案) →
  班主任 logs two failed home visits → 控辍专干 asks for joint return → 教育局 invites the 成员单位 and
  both log joint actions → 控辍专干 re-enrols the pupil → 班主任 logs three follow-ups and completes →
  督导 reads the timeline: every step there, the audit chain intact.
"""
import re
from datetime import date, time

from app import clock
from app.deadlines import calendar

TODAY = calendar.local_date(clock.now()).isoformat()  # today where the users are (Beijing time)


# --- what a person does on a page -----------------------------------------------------------------

def fill(form, **fields):
    """Fill a form's fields by name as a person would: type text and dates, pick from a list, tick
    boxes (a list ticks each box of a checkbox group; names typed into one box are joined with 、)."""
    for name, value in fields.items():
        inputs = form.locator(f"[name='{name}']")
        first = inputs.first
        kind = first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind == "input:checkbox" and inputs.count() > 1:          # a checkbox group (多选)
            for box in inputs.all():
                box.set_checked(box.get_attribute("value") in value)
        elif kind == "input:checkbox":                               # one yes/no box
            first.set_checked(bool(value))
        elif kind.startswith("select"):
            first.select_option(value)
        elif isinstance(value, (list, tuple)):                       # a free list of names
            first.fill("、".join(value))
        else:
            first.fill(value)


def act(page, trigger, expect_status=200, **fields):
    """Open the action's <details> on the case page, fill its form, submit it; return the answer."""
    details = page.locator(f"details#action-{trigger}")
    assert details.count() == 1, f"no action {trigger} for this user on {page.url}"
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form = details.locator("form")
    fill(form, **fields)
    with page.expect_navigation() as nav:
        form.locator("button[type=submit]").click()
    response = nav.value  # after a success: the case page the redirect led to
    assert response.status == expect_status, (trigger, response.status, page.locator("main").inner_text()[:2000])
    return response


def stage(page) -> str:
    """The case's state as the stage bar shows it (the aria-current item)."""
    return page.locator("ol.stagebar [aria-current=step]").inner_text().strip()


def open_case(page, case_id):
    page.goto(f"/cases/{case_id}")
    assert page.locator("h1").inner_text().startswith(f"个案 #{case_id}")
    return page


# --- the walk ------------------------------------------------------------------------------------

def test_a_case_walked_from_detection_to_follow_up_through_the_pages(page_as):
    # 班主任: finds 学生1 in the roster and opens a case on them
    teacher = page_as("teacher")
    teacher.goto("/cases/new")
    teacher.fill("#roster-search input[name=q]", "学生1")
    teacher.click("#roster-search button[type=submit]")
    teacher.get_by_role("radio", name=re.compile("学生1")).check()
    fill(teacher.locator("form#new-case"), source="teacher", note="连续 5 天未到校, 电话联系不上家长")
    teacher.click("form#new-case button[type=submit]")
    teacher.wait_for_url(re.compile(r"/cases/\d+\?opened=1"))
    case_id = int(re.search(r"/cases/(\d+)", teacher.url).group(1))
    assert stage(teacher) == "发现疑似辍学"
    assert "学生1" in teacher.locator("h1").inner_text()

    # 控辍专干: reports it (初中学生辍学情况报告表) and draws up the plan (一人一案)
    school = open_case(page_as("school_admin"), case_id)
    act(school, "report", dropout_date=TODAY, reasons=["learning", "family"],
        reason_analysis="厌学, 父母外出务工", measures_taken="电话联系家长 3 次",
        measures_effect="未返校", next_plan="组织家访")
    assert stage(school) == "已上报"
    assert "已完成：上报" in school.locator(".flash.ok").inner_text()
    act(school, "start_visits", goals="一个月内返校", measures="结对帮扶, 心理辅导", responsible="王校长",
        team=["班主任", "任课教师", "心理教师"])
    assert stage(school) == "劝返中"

    # 班主任: two home visits, the pupil still not back
    open_case(teacher, case_id)
    for met_with in ("学生祖母", "学生父亲(电话)"):
        act(teacher, "log_visit", visited_on=TODAY, visitors=["班主任", "校长"], met_with=met_with,
            content="宣传义务教育法", outcome="failed")
    assert stage(teacher) == "劝返中"
    assert teacher.locator("#records-visits .record").count() == 2

    # 控辍专干: asks for joint return (联合劝返)
    open_case(school, case_id)
    act(school, "escalate_joint", text="两次家访仍不返校, 提请联合劝返")
    assert stage(school) == "联合劝返"

    # 教育局: invites the member department and logs what the bureau did
    bureau = open_case(page_as("bureau"), case_id)
    act(bureau, "invite_partner", username="partner", note="请乡镇协助劝返")
    act(bureau, "log_joint_action", acted_on=TODAY, department="education_bureau",
        action="教育局约谈家长", outcome="家长态度松动")
    assert stage(bureau) == "联合劝返"

    # 成员单位: now sees the case and logs its own action
    partner = open_case(page_as("partner"), case_id)
    act(partner, "log_joint_action", acted_on=TODAY, department="township", action="乡镇干部上门",
        outcome="家长同意送孩子返校")
    assert partner.locator("#records-joint_actions .record").count() == 2

    # 控辍专干: re-enrols the pupil
    open_case(school, case_id)
    act(school, "re_enroll", return_date=TODAY, class_placed="七年级1班", xueji_restored=True,
        catch_up_plan="每周两次补课", mentor="李老师")
    assert stage(school) == "已复学"

    # 班主任: three follow-ups, each on its checkpoint's day as the page lists it, then completes
    open_case(teacher, case_id)
    assert "complete_follow_up" not in teacher.locator("#actions").inner_html()
    for point, (checkpoint, learning) in enumerate(zip(("two_weeks", "one_month", "three_months"),
                                                        ("跟得上", "进步明显", "正常"))):
        row = teacher.locator(f"#checkpoint-follow_up-{point}")
        assert row.locator("td").nth(3).inner_text() == "尚未到记录时间"
        due = row.locator("td").nth(2).inner_text()
        clock.freeze(calendar.to_utc(date.fromisoformat(due), time(12)))  # time passes, to that day
        open_case(teacher, case_id)
        act(teacher, "log_follow_up", checkpoint=checkpoint, checked_on=due, learning=learning,
            daily_life="正常", psychological="稳定", relapse_risk=False)
        assert teacher.locator(f"#checkpoint-follow_up-{point} td").nth(3).inner_text() == f"已于 {due} 记录"
    assert teacher.locator("#records-follow_ups .record").count() == 3
    act(teacher, "complete_follow_up", summary="三次回访均正常")
    assert stage(teacher) == "跟踪完成(结案)"
    assert teacher.locator("#actions details.action").count() == 0

    # 督导: the timeline shows every step, and the audit chain holds
    supervisor = page_as("supervisor")
    supervisor.goto(f"/cases/{case_id}/timeline")
    rows = supervisor.locator("#event-table tbody tr")
    walked = ["open", "report", "start_visits", "log_visit", "log_visit", "escalate_joint", "invite_partner",
              "log_joint_action", "log_joint_action", "re_enroll", "log_follow_up", "log_follow_up",
              "log_follow_up", "complete_follow_up"]
    actions = [c.split("event-", 1)[1] for c in rows.evaluate_all("rs => rs.map(r => r.className)")]
    steps = [a for a in actions if a in set(walked)]     # the system's own events (reminders) may be there too
    assert steps == walked
    labels = rows.locator("td:nth-child(5)").all_inner_texts()
    for label in ("新建个案", "上报", "制定一人一案并开始劝返", "记录家访", "提请联合劝返", "邀请成员单位",
                  "记录联合劝返行动", "复学", "记录跟踪回访", "跟踪完成"):
        assert label in labels
    chain = supervisor.locator("#chain").inner_text()
    assert "审计链完整" in chain and f"{len(actions)} 条事件" in chain
    assert supervisor.locator("#picture svg").count() == 1


# --- a refused form: the error beside the field, the rest as typed ---------------------------------

REPORT = dict(dropout_date=TODAY, reasons=["economic", "psychological"], reason_analysis="",  # left empty
              measures_taken="班主任电话联系 2 次", measures_effect="家长不接电话", next_plan="下周家访")
CJK = re.compile(r"[\u4e00-\u9fff]")


def detected_case(page_as) -> int:
    """A case opened by the class teacher through /cases/new, as in the walk."""
    teacher = page_as("teacher")
    teacher.goto("/cases/new?q=学生2")
    teacher.get_by_role("radio", name=re.compile("学生2")).check()
    teacher.click("form#new-case button[type=submit]")
    teacher.wait_for_url(re.compile(r"/cases/\d+\?opened=1"))
    return int(re.search(r"/cases/(\d+)", teacher.url).group(1))


def refused_report(page, still: str) -> str:
    """Submit the report with 原因分析 empty: 422, the form open again with that one field marked
    and everything else as typed, the case untouched; returns the message beside the field."""
    act(page, "report", expect_status=422, **REPORT)
    form = page.locator("details#action-report[open] form")
    assert form.locator(".field.invalid").evaluate_all("fs => fs.map(f => f.dataset.field)") == ["reason_analysis"]
    # what was typed in the other fields is still there
    assert form.locator("[name=dropout_date]").input_value() == TODAY
    assert sorted(form.locator("[name=reasons]:checked").evaluate_all("bs => bs.map(b => b.value)")) == \
        ["economic", "psychological"]
    for name in ("measures_taken", "measures_effect", "next_plan"):
        assert form.locator(f"[name={name}]").input_value() == REPORT[name]
    assert stage(page) == still  # nothing happened to the case
    return form.locator("[data-field=reason_analysis] p.error").inner_text().strip()


def test_a_required_field_left_empty_is_named_beside_it_in_chinese(page_as):
    school = open_case(page_as("school_admin"), detected_case(page_as))
    message = refused_report(school, still="发现疑似辍学")
    assert CJK.search(message) and not re.search("[A-Za-z]", message), message  # e.g. 该字段是必填字段。


def test_a_required_field_left_empty_is_named_beside_it_in_english(page_as):
    school = open_case(page_as("school_admin"), detected_case(page_as))
    with school.expect_navigation():
        school.click("header button[name=lang][value=en]")  # the switch in the page header
    assert school.locator("html").get_attribute("lang") == "en"
    message = refused_report(school, still="Detected")
    assert message == "This field is required."
