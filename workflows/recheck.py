"""The county's quarterly re-check (抽查复验) of a pupil struck off the dropout ledgers (动态销号).

Each quarter the bureau draws a random share of the pupils struck off in that quarter (app/rechecks):
the draw opens one of these cases per pupil drawn, as the bureau officer who drew. The officer checks
(a home visit, a phone call or a check at school) within RECHECK_WORKING_DAYS and records the result
with its evidence: confirmed (复验属实: the pupil is where the strike-off said), or not confirmed (复验
不实), which hands the pupil back to the dropout workflow as a new suspected case (then_open). Where the
pupil's dropout case is still open (re-enrolled, in follow-up), that case is kept and no second one is
opened: the school logs the relapse on it. Like every definition it imports nothing from app/.
"""
from forms.recheck import RecheckOpenForm, RecheckResultForm
from forms.team import AssignForm, NoteForm

RECHECK_WORKING_DAYS = 10
CHECKERS = ["bureau_officer"]


def _suspected_payload(data: dict, case, today: str) -> dict:
    """The dropout case a result of "not confirmed" opens: suspected, from the re-check's day."""
    return {"student_id": case.pupil_id, "detected_on": data.get("checked_on") or today, "source": "recheck",
            "note": f"抽查复验不实 / re-check not confirmed: {data.get('evidence', '')}"[:4000]}


def _draw_payload(drawn: dict, today: str) -> dict:
    """The open form of the case a draw opens for a pupil drawn (app/rechecks)."""
    return {"student_id": drawn["pupil_id"], "quarter": drawn["quarter"], "drawn_on": today,
            "struck_step": drawn["step"], "struck_case_id": drawn["case_id"]}


def assign(ctx):
    ctx.add_assignee(ctx.data["username"], ctx.data["role"])


DEFINITION = {
    "name": "recheck",
    "title": {"zh": "抽查复验", "en": "Re-check"},
    "subject": {"kind": "pupil", "field": "student_id"},
    # the county's quarterly draw (app/rechecks) opens one of these per pupil drawn
    "draws": {"payload": _draw_payload},
    "initial": "awaiting_recheck",
    "open": {"roles": CHECKERS, "form": RecheckOpenForm, "dated_by": "drawn_on", "occurred_on": "drawn_on"},
    "case_dates": {"drawn_on": ("抽取日期", "the draw date")},
    "states": [
        {"name": "awaiting_recheck", "zh": "待复验", "en": "To be re-checked", "main": True},
        {"name": "recheck_confirmed", "zh": "复验属实", "en": "Confirmed", "main": True, "final": True},
        {"name": "recheck_not_confirmed", "zh": "复验不实", "en": "Not confirmed", "final": True},
    ],
    "triggers": [
        {"name": "confirm_recheck", "zh": "复验属实", "en": "Confirmed", "source": "awaiting_recheck", "dest": "recheck_confirmed",
         "roles": CHECKERS, "form": RecheckResultForm, "occurred_on": "checked_on",
         "dates": {"checked_on": {"not_before": ["drawn_on"]}}},
        {"name": "reject_recheck", "zh": "复验不实", "en": "Not confirmed", "source": "awaiting_recheck",
         "dest": "recheck_not_confirmed", "roles": CHECKERS, "form": RecheckResultForm, "occurred_on": "checked_on",
         "dates": {"checked_on": {"not_before": ["drawn_on"]}},
         # the pupil is not where the strike-off said: back to the dropout workflow, suspected
         "then_open": {"workflow": "dropout", "payload": _suspected_payload}},
        {"name": "assign", "zh": "指派负责人", "en": "Assign", "source": "awaiting_recheck", "dest": None,
         "roles": CHECKERS + ["bureau_head"], "form": AssignForm, "effects": [assign]},
        {"name": "add_note", "zh": "备注", "en": "Add a note", "source": "awaiting_recheck", "dest": None,
         "roles": CHECKERS, "form": NoteForm},
    ],
    "clocks": [
        {"name": "recheck_due", "zh": "抽查复验", "en": "Re-check", "starts_on": "awaiting_recheck",
         "due": [{"working_days": RECHECK_WORKING_DAYS}], "met_by": ["confirm_recheck", "reject_recheck"],
         "while_in": ["awaiting_recheck"], "remind": ["bureau_officer"],
         "ladder": [{"level": 1, "after_working_days": 0, "notify": ["bureau_officer"]},
                    {"level": 2, "after_working_days": 2, "notify": ["bureau_head"]}]},
    ],
    "sections": [
        {"name": "draw", "zh": "抽取", "en": "Draw", "actions": ["open"]},
        {"name": "result", "zh": "复验结果", "en": "Result", "actions": ["confirm_recheck", "reject_recheck"]},
    ],
}
