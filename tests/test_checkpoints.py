"""Follow-up checkpoints mean time has passed: a follow-up names its checkpoint, may be logged only from
that checkpoint's window on (3 working days before its due day), meets that checkpoint's deadline, and
the case can be completed only once every checkpoint was logged. The clock is moved, as time passes."""
import copy

import pytest

from app import clock
from app.deadlines import calendar
from app.engine import definition
from app.auth.roles import ROLES
from tests.web import Browser
from workflows import dropout

WINDOW = dropout.FOLLOW_UP_WINDOW


def opens(bx, case_id, checkpoint):
    return calendar.add_working_days(bx.checkpoint_due(case_id, checkpoint), -WINDOW)


def test_a_pupil_re_enrolled_today_cannot_be_followed_up_and_closed_today(bx):
    case = bx.case_in("re_enrolled")
    before = bx.footprint(case["id"])
    for checkpoint in bx.CHECKPOINTS:
        r = bx.fire(case["id"], "log_follow_up", "teacher", checkpoint=checkpoint)
        assert r.status_code == 422, r.get_json()
        message = r.get_json()["fields"]["checkpoint"]
        due, first = bx.checkpoint_due(case["id"], checkpoint), opens(bx, case["id"], checkpoint)
        assert str(due) in message and str(first) in message, message  # its dates, in both languages
        assert " / " in message
    assert "complete_follow_up" not in bx.case(case["id"], as_="teacher")["available_transitions"]
    r = bx.fire(case["id"], "complete_follow_up", "teacher")
    assert r.status_code == 422 and "follow_ups" in r.get_json()["fields"]
    assert bx.footprint(case["id"]) == before


def test_the_window_opens_three_working_days_before_the_due_day(bx):
    case = bx.case_in("re_enrolled")
    first = opens(bx, case["id"], "two_weeks")
    day_before = calendar.add_working_days(first, -1)
    bx.at_day(day_before)
    r = bx.fire(case["id"], "log_follow_up", "teacher", checkpoint="two_weeks", checked_on=str(day_before))
    assert r.status_code == 422 and "checkpoint" in r.get_json()["fields"]
    bx.at_day(first)
    after = bx.step(case["id"], "log_follow_up", "teacher", checkpoint="two_weeks", checked_on=str(first))
    assert [(d["clock"], d["point"]) for d in after["open_deadlines"]] == [("follow_up", 1), ("follow_up", 2)]


def test_a_follow_up_dated_before_its_window_is_refused(bx):
    case = bx.case_in("re_enrolled")
    due = bx.checkpoint_due(case["id"], "two_weeks")
    bx.at_day(due)
    early = calendar.add_working_days(opens(bx, case["id"], "two_weeks"), -1)
    r = bx.fire(case["id"], "log_follow_up", "teacher", checkpoint="two_weeks", checked_on=str(early))
    assert r.status_code == 422 and list(r.get_json()["fields"]) == ["checked_on"], r.get_json()
    assert str(opens(bx, case["id"], "two_weeks")) in r.get_json()["fields"]["checked_on"]


def test_a_follow_up_meets_its_own_checkpoint_and_only_once(bx):
    case = bx.case_in("re_enrolled")
    # a month on, the two-week checkpoint was missed (overdue) and the one-month one is due
    after = bx.log_follow_up(case["id"], "one_month")
    assert [d["point"] for d in after["open_deadlines"]] == [0, 2]  # not "the earliest open point"
    logged_on = calendar.local_date(clock.now())
    r = bx.fire(case["id"], "log_follow_up", "teacher", checkpoint="one_month", checked_on=str(logged_on))
    assert r.status_code == 422 and f"已于 {logged_on} 记录" in r.get_json()["fields"]["checkpoint"]
    # an overdue checkpoint may still be logged (late: the ladder has said so)
    after = bx.step(case["id"], "log_follow_up", "teacher", checkpoint="two_weeks", checked_on=str(logged_on))
    assert [d["point"] for d in after["open_deadlines"]] == [2]
    assert "complete_follow_up" not in after["available_transitions"]
    bx.log_follow_up(case["id"], "three_months")
    case = bx.case(case["id"], as_="teacher")
    assert "complete_follow_up" in case["available_transitions"]
    assert sorted(case["vars"]["follow_up_checkpoints"]) == sorted(bx.CHECKPOINTS)
    assert bx.step(case["id"], "complete_follow_up", "teacher")["state"] == "followed_up"


def test_the_case_page_lists_the_checkpoints_with_their_dates_and_status(app, bx):
    case = bx.case_in("re_enrolled")
    ids = [f"checkpoint-follow_up-{i}" for i in range(3)]
    teacher = Browser(app, "teacher")

    def rows():
        page = teacher.text(f"/cases/{case['id']}")
        section = page.split('id="checkpoints"')[1].split("</section>")[0]
        return {i: section.split(f'id="{i}"')[1].split("</tr>")[0] for i in ids}

    today = rows()
    for i, checkpoint in zip(ids, bx.CHECKPOINTS):
        assert str(opens(bx, case["id"], checkpoint)) in today[i]
        assert str(bx.checkpoint_due(case["id"], checkpoint)) in today[i]
        assert "尚未到记录时间" in today[i]
    bx.log_follow_up(case["id"], "one_month")
    logged_on = calendar.local_date(clock.now())
    later = rows()
    assert f"已于 {logged_on} 记录" in later[ids[1]]
    assert "已逾期" in later[ids[0]] and 'overdue' in later[ids[0]].split(">")[0]
    assert "尚未到记录时间" in later[ids[2]]
    bx.at_day(opens(bx, case["id"], "three_months"))
    assert "可记录" in rows()[ids[0]] or "已逾期" in rows()[ids[0]]
    assert "可记录" in rows()[ids[2]]
    # the follow-up form starts at the first checkpoint that may be logged now (the missed one)
    page = teacher.text(f"/cases/{case['id']}")
    assert '<option value="two_weeks" selected>' in page
    day = str(calendar.local_date(clock.now()))
    bx.step(case["id"], "log_follow_up", "teacher", checkpoint="two_weeks", checked_on=day)
    page = teacher.text(f"/cases/{case['id']}")
    assert '<option value="three_months" selected>' in page and 'value="two_weeks" selected' not in page


def test_a_checkpoint_clock_whose_form_names_no_checkpoint_is_refused_at_start_up():
    raw = copy.deepcopy(dropout.DEFINITION)
    clock = next(c for c in raw["clocks"] if c["name"] == "follow_up")
    clock["checkpoints"] = {**clock["checkpoints"], "field": "nope"}
    with pytest.raises(definition.DefinitionError, match="follow_up.*'nope'"):
        definition.build(raw, ROLES)
    clock["checkpoints"]["field"] = "checkpoint"
    clock["due"] = [*clock["due"][:2], {"months": 3}]  # a checkpoint without a name
    with pytest.raises(definition.DefinitionError, match="own name"):
        definition.build(raw, ROLES)


def _re_enrolled_late(bx):
    """A pupil back on day `returned`, the re-enrolment typed five working days later."""
    from datetime import date
    start = date(2026, 11, 2)
    bx.at_day(start)
    case = bx.open(detected_on=str(start))
    for trigger, who in bx.PATH[:bx.REACH["joint_return"]]:
        case = bx.step(case["id"], trigger, who)
    returned, typed = calendar.add_working_days(start, 3), calendar.add_working_days(start, 8)
    bx.at_day(typed)
    bx.step(case["id"], "re_enroll", "school_admin", return_date=str(returned))
    return case, returned


def test_checkpoints_count_from_the_return_date_not_the_day_it_was_typed(app, bx):
    from app.deadlines.clocks import due_date
    case, returned = _re_enrolled_late(bx)
    with app.app_context():
        for point, checkpoint in zip(dropout.FOLLOW_UP_CHECKPOINTS, bx.CHECKPOINTS):
            assert bx.checkpoint_due(case["id"], checkpoint) == due_date(returned, point), checkpoint


def test_a_holiday_after_the_return_re_times_the_checkpoint_counted_from_it(app, bx, runner):
    case, returned = _re_enrolled_late(bx)
    before = bx.checkpoint_due(case["id"], "two_weeks")
    holiday = calendar.add_working_days(returned, 1)  # before the re-enrolment was typed, after the return
    out = runner.invoke(args=["calendar", "set", str(holiday), "holiday", "停课"])
    assert out.exit_code == 0, out.output
    assert bx.checkpoint_due(case["id"], "two_weeks") == calendar.add_working_days(before, 1)
    events = bx.get(f"/cases/{case['id']}/timeline", as_="supervisor").get_json()["events"]
    moved = [m for e in events if e["action"] == "deadline_retimed" for m in e["data"]["retimed"]
             if m["clock"] == "follow_up" and m["point"] == 0]
    assert moved and moved[0]["from"] == str(before)
