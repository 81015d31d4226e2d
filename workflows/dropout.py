"""The dropout case (控辍保学个案): the lifecycle, its guards, deadlines and escalation written as data.

Nothing here imports app/: states, triggers, roles, forms, guards and clocks are plain values; guards
and effects are small pure functions of the step's context (ctx.vars, ctx.data, ctx.case), which the
engine calls by name. Every number the district may change (deadline lengths, ladders) lives here.

What the reports and the case page know about these cases is here too, as data, so app/ names no state
or trigger of this workflow:

- A state's `marks` say what being in it means to the reports (app/reports); a workflow whose states
  carry none of them is not counted by the reports at all:
    counts_as_dropout  a case now in this state counts as a dropout (辍学) in the period it was opened
                       in: it was reported and did not end as a false alarm, enrolled elsewhere or
                       exempt (those pupils never were out of school). Special placement still counts:
                       the child was out of school until placed.
    on_ledger          while an open case is in this state its pupil is on the dropout ledgers
                       (app/ledgers): the suspected ledger (疑似辍学学生台账) until the bureau's verify
                       confirms it, then the confirmed one (辍学学生台账). A step out of such a state
                       strikes the pupil off (动态销号), and every such step carries its evidence.
    out_of_school      while an open case is in this state its pupil is out of school (仍辍学; the
                       retention rate 巩固率 subtracts them). `detected` is only suspected.
  Being off the main path needs no mark: it is a state's `main` (false) and `final`.
- A trigger's `marks` say which steps the reports count as events in a period (by the day each
  happened, its occurred_on):
    reports_dropout    a dropout reported (新上报辍学); the reasons of the cases reported in a period
                       are counted with it
    returns_to_school  a pupil back at school (复学)
    home_visit         a home visit (家访) logged, counted against the class teacher's standard
    drops_out_again    the pupil dropped out again after re-enrolment (反复): the reports count the
                       relapsed pupils and whether they were visited at least twice
- `documents` / `signatures`: the printed case file's official forms and signature lines (below).
- `sections`: the case page's record sections, in order: each shows the steps of its `actions` with
  what was typed into their forms (a workflow without sections shows one section of every record).
"""
from forms.closure import EnrolledElsewhereForm, ExemptForm, FalseAlarmForm, SpecialPlacementForm
from forms.intake import DetectionForm, ReportForm, VerifyForm
from forms.persuasion import JointActionForm, PlanForm, VisitForm
from forms.returning import CompleteForm, FollowUpForm, ReEnrolForm, RelapseForm
from forms.team import AssignForm, InvitePartnerForm, NoteForm, RevokePartnerForm

OPEN = "*"  # as a source: every state that is not final

SCHOOL_STAFF = ["class_teacher", "grade_leader", "school_admin"]
CASE_WORKERS = SCHOOL_STAFF + ["bureau_officer", "partner"]
# The follow-up checkpoints after re-enrolment (跟踪回访): each a due point of the follow_up clock, named
# so a follow-up is logged against one of them; it may be logged from FOLLOW_UP_WINDOW working days
# before the checkpoint's due day on (not before: a checkpoint means that time has passed).
FOLLOW_UP_CHECKPOINTS = [
    {"working_days": 10, "name": "two_weeks", "zh": "复学后10个工作日", "en": "10 working days after return"},
    {"months": 1, "name": "one_month", "zh": "复学后1个月", "en": "1 month after return"},
    {"months": 3, "name": "three_months", "zh": "复学后3个月", "en": "3 months after return"},
]
FOLLOW_UP_WINDOW = 3


# --- guards: return {field: message} when the step may not happen -------------------------------
# A trigger's "preconditions" are guards that read only the case (ctx.vars, ctx.case), never the form:
# the engine also checks them when it lists what a case offers, so an action that can only fail is not
# offered. "guards" may read the form (ctx.data) and are checked when the step is fired.

def two_failed_visits(ctx):
    """At least 2 home visits that failed since the case (re-)entered visiting (seed: 多次劝返仍不返校)."""
    if ctx.vars.get("failed_visits", 0) < 2:
        return {"visits": "联合劝返前须记录至少 2 次未成功的家访 / at least 2 failed home visits must be "
                          f"logged first (logged: {ctx.vars.get('failed_visits', 0)})"}


def aid_for_economic_reason(ctx):
    """Aid (资助) must be arranged when economic hardship is among the reasons."""
    if "economic" in (ctx.field("reasons") or []) and not ctx.data.get("aid_arranged"):
        return {"aid_arranged": "辍学原因含经济困难, 须填写资助安排 / Economic hardship is among the reasons: "
                                "say what financial aid has been arranged"}


def follow_ups_done(ctx):
    """Every follow-up checkpoint recorded (each in its window: the engine refuses one before it), and
    the last follow-up shows no relapse risk."""
    # a checkpoint's deadline stays open until its follow-up is logged (cases logged before checkpoints
    # were named have theirs met too)
    still_open = {d.point for d in ctx.case.open_deadlines if d.clock == "follow_up"}
    missing = [p for i, p in enumerate(FOLLOW_UP_CHECKPOINTS) if i in still_open]
    if missing:
        return {"follow_ups": f"须完成全部 {len(FOLLOW_UP_CHECKPOINTS)} 次跟踪回访, 尚缺: "
                              f"{'、'.join(p['zh'] for p in missing)} / all {len(FOLLOW_UP_CHECKPOINTS)} "
                              f"follow-up checkpoints must be recorded, missing: "
                              f"{', '.join(p['en'] for p in missing)}"}
    if ctx.vars.get("relapse_risk"):
        return {"follow_ups": "最近一次回访显示有反复风险 / the last follow-up shows a relapse risk"}


def transfer_accepted(ctx):
    """Enrolled elsewhere only on the receiving side's word: a transfer of the pupil accepted (by the
    receiving school of the district, or the bureau on the receipt of a school outside it)."""
    if ("accepted", True) not in ctx.subject_cases("transfer"):
        return {"receipt_no": "须先有已接收的转学（接收学校确认或教育局核验回执） / a transfer of the pupil must "
                              "be accepted first (by the receiving school, or the bureau on its receipt)"}


def not_yet_confirmed(ctx):
    if ctx.field("confirmed"):
        return {"confirmed": "已确认 / already confirmed"}


# --- effects: what a step does to the case besides its state ---------------------------------------

def take_reasons(ctx):
    ctx.set("reasons", list(ctx.data["reasons"]))


def confirm(ctx):
    ctx.set("confirmed", bool(ctx.data.get("confirmed")))


def count_visit(ctx):
    """A visit counts for this round of visiting by its date: one dated before the case (re-)entered
    visiting (the stamp `visiting_since`) is recorded and in the total, not in the round."""
    ctx.vars["visits_total"] = ctx.vars.get("visits_total", 0) + 1
    since = (ctx.vars.get("dates") or {}).get("visiting_since")
    if since and ctx.data["visited_on"] < since:  # ISO dates compare as text
        return
    ctx.vars["visits"] = ctx.vars.get("visits", 0) + 1
    if ctx.data["outcome"] in ("failed", "not_met"):
        ctx.vars["failed_visits"] = ctx.vars.get("failed_visits", 0) + 1


def count_follow_up(ctx):
    ctx.vars["follow_ups"] = ctx.vars.get("follow_ups", 0) + 1
    ctx.vars["follow_up_checkpoints"] = ctx.vars.get("follow_up_checkpoints", []) + [ctx.data["checkpoint"]]
    ctx.vars["relapse_risk"] = bool(ctx.data.get("relapse_risk"))


def count_relapse(ctx):
    ctx.vars["relapses"] = ctx.vars.get("relapses", 0) + 1


def assign(ctx):
    ctx.add_assignee(ctx.data["username"], ctx.data["role"])


def invite(ctx):
    ctx.invite_partner(ctx.data["username"])


def revoke(ctx):
    ctx.revoke_partner(ctx.data["username"])


# --- escalation ladders: level 1 at the deadline, +2 and +5 working days after ------------

def ladder(first, second, third="bureau_head"):
    return [{"level": 1, "after_working_days": 0, "notify": first},
            {"level": 2, "after_working_days": 2, "notify": second},
            {"level": 3, "after_working_days": 5, "notify": third}]


def _placement_payload(data: dict, case, today: str) -> dict:
    """The placement case a special placement closure opens (workflows/placement.py), from its form."""
    return {"student_id": case.pupil_id, "assessed_on": data.get("placed_on") or today,
            "planned": data["placement"], "note": data.get("approval_note") or data.get("evidence") or ""}


def _registry_payload(mismatch: dict, today: str, given: dict) -> dict:
    """The open form's data for a suspected case opened from a registry mismatch (app/registers)."""
    note = given.get("note") or f"学籍比对 / registry comparison: {mismatch['kind_label']}"
    return {"student_id": mismatch["pupil_id"], "detected_on": today, "source": "registry", "note": note}


DEFINITION = {
    "name": "dropout",
    "title": {"zh": "辍学个案", "en": "Dropout case"},
    "initial": "detected",
    # A case is about a pupil (the open form's student_id), one open case per pupil; it counts from the
    # detection date the form gives.
    "subject": {"kind": "pupil", "field": "student_id"},
    "open": {"roles": ["class_teacher", "grade_leader", "school_admin", "bureau_officer"],
             "form": DetectionForm, "occurred_on": "detected_on", "dated_by": "detected_on"},
    # The case's own fields, set by effects: the dropout reasons (report) and the bureau's confirmation.
    "fields": {"reasons": {"default": []}, "confirmed": {"default": False}},
    # A registry mismatch about a pupil on the roster opens a suspected case of this workflow.
    "registry": {"opens_for": "pupil", "payload": _registry_payload},
    # The case's own dates, which a step's dates are ordered after (a trigger's "dates"): detected_on is
    # the case's; the others are recorded by a trigger ("records") or stamped when a state is entered.
    "case_dates": {"detected_on": ("发现日期", "the detection date"),
                   "dropout_date": ("辍学日期", "the dropout date"),
                   "return_date": ("返校日期", "the return date"),
                   "visiting_since": ("进入劝返日期", "the day home visits (re)started")},
    "states": [
        {"name": "detected", "zh": "发现疑似辍学", "en": "Detected", "main": True, "marks": ["on_ledger"]},
        {"name": "reported", "zh": "已上报", "en": "Reported", "main": True,
         "marks": ["counts_as_dropout", "out_of_school", "on_ledger"]},
        {"name": "visiting", "zh": "劝返中", "en": "Home-visit persuasion", "main": True,
         "reset_vars": ["visits", "failed_visits"], "stamps": "visiting_since",
         "marks": ["counts_as_dropout", "out_of_school", "on_ledger"]},
        {"name": "joint_return", "zh": "联合劝返", "en": "Joint return", "main": True,
         "marks": ["counts_as_dropout", "out_of_school", "on_ledger"]},
        {"name": "re_enrolled", "zh": "已复学", "en": "Re-enrolled", "main": True,
         "reset_vars": ["follow_ups", "follow_up_checkpoints", "relapse_risk"], "marks": ["counts_as_dropout"]},
        {"name": "followed_up", "zh": "跟踪完成(结案)", "en": "Followed up (closed)", "main": True,
         "final": True, "marks": ["counts_as_dropout"]},
        {"name": "closed_false_alarm", "zh": "误报结案", "en": "Closed: false alarm", "final": True},
        {"name": "closed_enrolled_elsewhere", "zh": "已在他校就读", "en": "Closed: enrolled elsewhere",
         "final": True},
        {"name": "closed_special_placement", "zh": "特殊安置", "en": "Closed: special placement",
         "final": True, "marks": ["counts_as_dropout"]},
        {"name": "closed_exempt", "zh": "免于/缓于入学", "en": "Closed: exempt", "final": True},
    ],
    "triggers": [
        # main path
        {"name": "report", "zh": "上报", "en": "Report", "source": "detected", "dest": "reported",
         "roles": ["school_admin"], "form": ReportForm, "effects": [take_reasons],
         "occurred_on": "dropout_date", "records": ["dropout_date"], "marks": ["reports_dropout"]},
        {"name": "start_visits", "zh": "制定一人一案并开始劝返", "en": "Plan and start home visits", "source": "reported", "dest": "visiting",
         "roles": ["school_admin"], "form": PlanForm},
        {"name": "escalate_joint", "zh": "提请联合劝返", "en": "Request joint return", "source": "visiting", "dest": "joint_return",
         "roles": ["school_admin"], "form": NoteForm, "preconditions": [two_failed_visits]},
        {"name": "re_enroll", "zh": "复学", "en": "Re-enrol", "source": ["visiting", "joint_return"], "dest": "re_enrolled",
         "roles": ["school_admin"], "form": ReEnrolForm, "guards": [aid_for_economic_reason],
         "occurred_on": "return_date", "records": ["return_date"],
         "dates": {"return_date": {"not_before": ["dropout_date"]}}, "marks": ["returns_to_school"]},
        {"name": "complete_follow_up", "zh": "跟踪完成", "en": "Complete follow-up", "source": "re_enrolled", "dest": "followed_up",
         "roles": ["class_teacher", "school_admin"], "form": CompleteForm, "preconditions": [follow_ups_done]},
        {"name": "relapse", "zh": "再次辍学(反复)", "en": "Dropped out again (relapse)", "source": "re_enrolled", "dest": "visiting",
         "roles": ["class_teacher", "school_admin"], "form": RelapseForm, "effects": [count_relapse],
         "occurred_on": "absent_since", "dates": {"absent_since": {"not_before": ["return_date"]}},
         "marks": ["drops_out_again"]},
        # internal actions: recorded, state unchanged
        {"name": "verify", "zh": "核查确认", "en": "Verify", "source": ["reported", "visiting", "joint_return"], "dest": None,
         "roles": ["bureau_officer"], "form": VerifyForm, "preconditions": [not_yet_confirmed],
         "effects": [confirm]},
        {"name": "log_visit", "zh": "记录家访", "en": "Log a home visit", "source": "visiting", "dest": None,
         "roles": SCHOOL_STAFF, "form": VisitForm, "effects": [count_visit],
         "occurred_on": "visited_on", "dates": {"visited_on": {"not_before": ["detected_on"]}},
         "marks": ["home_visit"]},
        {"name": "log_joint_action", "zh": "记录联合劝返行动", "en": "Log a joint-return action", "source": "joint_return", "dest": None,
         "roles": ["bureau_officer", "partner"], "form": JointActionForm,
         "occurred_on": "acted_on", "dates": {"acted_on": {"not_before": ["detected_on"]}}},
        {"name": "log_follow_up", "zh": "记录跟踪回访", "en": "Log a follow-up", "source": "re_enrolled", "dest": None,
         "roles": ["class_teacher", "school_admin"], "form": FollowUpForm, "effects": [count_follow_up],
         "occurred_on": "checked_on", "dates": {"checked_on": {"not_before": ["return_date"]}}},
        {"name": "assign", "zh": "指派负责人", "en": "Assign", "source": OPEN, "dest": None,
         "roles": ["grade_leader", "school_admin", "bureau_officer"], "form": AssignForm, "effects": [assign]},
        {"name": "invite_partner", "zh": "邀请成员单位", "en": "Invite a partner department", "source": OPEN, "dest": None,
         "roles": ["bureau_officer"], "form": InvitePartnerForm, "effects": [invite]},
        # who may invite may end an invitation before the stage does (the partner then gets 404)
        {"name": "revoke_partner", "zh": "撤销成员单位访问", "en": "Revoke a partner's access", "source": OPEN, "dest": None,
         "roles": ["bureau_officer"], "form": RevokePartnerForm, "effects": [revoke]},
        {"name": "add_note", "zh": "备注", "en": "Add a note", "source": OPEN, "dest": None, "roles": CASE_WORKERS, "form": NoteForm},
        # off-ramps: terminal, bureau approval, reason + evidence
        {"name": "close_false_alarm", "zh": "误报结案", "en": "Close: false alarm", "source": "detected", "dest": "closed_false_alarm",
         "roles": ["bureau_officer"], "form": FalseAlarmForm},
        {"name": "close_enrolled_elsewhere", "zh": "已在他校就读结案", "en": "Close: enrolled elsewhere", "source": OPEN,
         "dest": "closed_enrolled_elsewhere", "roles": ["bureau_officer"], "form": EnrolledElsewhereForm,
         "occurred_on": "transfer_date", "preconditions": [transfer_accepted]},
        {"name": "close_special_placement", "zh": "特殊安置结案", "en": "Close: special placement", "source": OPEN,
         "dest": "closed_special_placement", "roles": ["bureau_officer"], "form": SpecialPlacementForm,
         "occurred_on": "placed_on",
         # the child's schooling goes on as a placement case of its own (送教上门, 随班就读, 特教学校, 外出就读)
         "then_open": {"workflow": "placement", "payload": _placement_payload}},
        {"name": "close_exempt", "zh": "免于入学结案", "en": "Close: exempt", "source": OPEN, "dest": "closed_exempt",
         "roles": ["bureau_officer"], "form": ExemptForm},
    ],
    # Deadline clocks. A clock opens when its state is entered, is met by one of its
    # triggers, and is cancelled when the case moves to a state outside `while_in`. Its reminder goes
    # to `remind` `remind_before_working_days` before the due day (default below); after the due day
    # the ladder escalates: level 1 at the deadline, 2 and 3 after more working days.
    "clocks": [
        {"name": "report", "zh": "上报", "en": "Report", "starts_on": "detected", "due": [{"working_days": 3}],
         "met_by": ["report"], "while_in": ["detected"], "remind": ["school_admin"],
         "ladder": ladder(["bureau_officer"], ["bureau_officer"])},
        {"name": "verification", "zh": "教育局核查", "en": "Bureau verification", "starts_on": "reported", "due": [{"working_days": 5}],
         "met_by": ["verify"], "while_in": ["reported", "visiting", "joint_return"],
         "remind": ["bureau_officer"], "ladder": ladder(["bureau_head"], ["bureau_head"])},
        {"name": "first_visit", "zh": "首次家访", "en": "First home visit", "starts_on": "visiting", "due": [{"working_days": 5}],
         "met_by": ["log_visit"], "while_in": ["visiting"], "remind": ["class_teacher"],
         "ladder": ladder(["school_admin"], ["school_admin", "bureau_officer"])},
        {"name": "visiting_stage", "zh": "劝返阶段", "en": "Home-visit stage", "starts_on": "visiting", "due": [{"working_days": 20}],
         "met_by": ["escalate_joint", "re_enroll"], "while_in": ["visiting"], "remind": ["school_admin"],
         "ladder": ladder(["bureau_officer"], ["bureau_officer"])},
        {"name": "joint_return_stage", "zh": "联合劝返阶段", "en": "Joint-return stage", "starts_on": "joint_return",
         "due": [{"working_days": 30}], "met_by": ["re_enroll"], "while_in": ["joint_return"],
         "remind": ["bureau_officer"], "remind_before_working_days": 3,  # a month's work: warn earlier
         "ladder": ladder(["bureau_head"], ["bureau_head"])},
        {"name": "follow_up", "zh": "跟踪回访", "en": "Follow-up", "starts_on": "re_enrolled",
         # counted from the day the pupil came back, not the day the re-enrolment was typed
         "counts_from": "return_date", "due": FOLLOW_UP_CHECKPOINTS, "met_by": ["log_follow_up"],
         # its due points are checkpoints: the step names one (form field `checkpoint`), which it meets;
         # neither the step nor the follow-up's date (`checked_on`) may come before the window opens
         "checkpoints": {"field": "checkpoint", "date_field": "checked_on",
                         "window_working_days": FOLLOW_UP_WINDOW},
         "while_in": ["re_enrolled"], "remind": ["class_teacher"],
         "ladder": ladder(["school_admin"], ["school_admin", "bureau_officer"])},
    ],
    "reminder_working_days_before": 1,
    # The case page's records (see the docstring): the report, the plan, the visits, the joint actions,
    # the re-enrolment and the follow-ups, each with what its form recorded.
    "sections": [
        {"name": "report", "zh": "辍学情况报告", "en": "Dropout report", "actions": ["report"]},
        {"name": "plan", "zh": "一人一案", "en": "Personal return plan", "actions": ["start_visits"]},
        {"name": "visits", "zh": "家访记录", "en": "Home visits", "actions": ["log_visit"]},
        {"name": "joint_actions", "zh": "联合劝返行动", "en": "Joint return actions", "actions": ["log_joint_action"]},
        {"name": "re_enrolment", "zh": "复学", "en": "Re-enrolment", "actions": ["re_enroll"]},
        {"name": "follow_ups", "zh": "跟踪回访", "en": "Follow-up", "actions": ["log_follow_up"]},
    ],
    # The printed case file (辍学学生档案, GET /cases/<id>/file.pdf) is signed by these, and carries the
    # official forms as filled, each also printable on its own (GET /cases/<id>/documents/<name>.pdf):
    # a template under app/templates/ filled from the records of the actions `records` names (its own
    # names for them -> the action). Forms from the seeds: the report to the bureau (初中学生辍学情况
    # 报告表: the pupil, the date left, the reasons and their analysis, the measures taken and their
    # effect, the plan), and the personal return plan (一人一案: goals, measures, who is responsible, the
    # team, and the visits and joint actions that carried it out).
    "file_title": {"zh": "辍学学生档案", "en": "Dropout pupil's case file"},
    "signatures": [{"zh": "班主任", "en": "Class teacher"}, {"zh": "校长", "en": "Head teacher"},
                   {"zh": "教育局", "en": "Education bureau"}],
    "documents": [
        {"name": "dropout_report", "zh": "初中学生辍学情况报告表", "en": "Dropout report form",
         "template": "casefile/dropout_report.html",
         "records": {"opening": "open", "filed": "report", "checked": "verify", "plan": "start_visits",
                     "visits": "log_visit"}},
        {"name": "return_plan", "zh": "一人一案(劝返方案)", "en": "Personal return plan",
         "template": "casefile/return_plan.html",
         "records": {"plan": "start_visits", "visits": "log_visit", "joint": "log_joint_action",
                     "returned": "re_enroll", "follow_ups": "log_follow_up"}},
    ],
    # Partners are invited for the joint return (联合劝返): when the case leaves that stage — re-enrolled,
    # an off-ramp, anything — every invitation ends for good (and so does any when the case closes).
    "partners_leave_with": ["joint_return"],
}
