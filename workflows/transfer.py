"""A pupil's transfer to another school (转学), answered by the school that would take them.

The sending school (the pupil's class teacher or school admin) requests it, naming the receiving school:
- a school of the district: the request waits on that school's school admin, who accepts it into one of
  the school's classes (the pupil's class changes, the pupil's history records the change) or refuses it
  with a reason. The receiving school sees the transfer although the pupil is not yet theirs: the
  subject's `also` field scopes the case to it too, and the guards below tell the two sides apart.
- a school outside the district: the sending school uploads the receiving school's receipt (回执, an
  evidence file on the step) and the bureau officer checks it (accepts, or refuses with a reason).

Only an accepted transfer lets the pupil's dropout case close as enrolled elsewhere (the dropout
workflow's guard reads this workflow's accepted cases). An unanswered request runs on the `answer`
clock: reminded to the side whose turn it is, escalated to the bureau. Like every definition it
imports nothing from app/.
"""
from forms.transfer import (AcceptTransferForm, CheckReceiptForm, ReceiptForm, RefuseTransferForm,
                            TransferRequestForm, WithdrawTransferForm)

ANSWER_WORKING_DAYS = 5   # the receiving side's (or, outside the district, the receipt's) time to answer
CHECK_WORKING_DAYS = 5    # the bureau's time to check a receipt
SENDING = ["class_teacher", "school_admin"]


# --- guards: return {field: message} when the step may not happen -------------------------------

def inside_district(ctx):
    if not ctx.has_side("also"):
        return {"to_school_id": "转往区县外: 须上传回执 / a transfer outside the district is answered by its receipt"}


def outside_district(ctx):
    if ctx.has_side("also"):
        return {"to_school_id": "区县内转学由接收学校答复 / the receiving school answers a transfer inside the district"}


def receiving_side(ctx):
    """Only the receiving school answers: not the school the pupil leaves (a user over both sides, a
    district role, holds none of the roles that answer)."""
    if not ctx.on_side("also") or ctx.on_side("subject"):
        return {"class_id": "只有接收学校可以答复 / only the receiving school may answer"}


def sending_side(ctx):
    if not ctx.on_side("subject") or ctx.on_side("also"):
        return {"student_id": "只有学生所在学校可以办理 / only the pupil's own school may do this"}


def receipt_attached(ctx):
    if not ctx.files:
        return {"files": "须上传接收学校的回执 / upload the receiving school's receipt"}


# --- effects -------------------------------------------------------------------------------------

def move_into_class(ctx):
    ctx.move_pupil(ctx.data["class_id"], within="also")


DEFINITION = {
    "name": "transfer",
    "title": {"zh": "转学", "en": "Transfer"},
    # The pupil is the subject (one open transfer per pupil); the receiving school scopes the case too.
    "subject": {"kind": "pupil", "field": "student_id",
                "also": {"field": "to_school_id", "unit_kinds": ["school"]}},
    "initial": "requested",
    "open": {"roles": SENDING, "form": TransferRequestForm, "dated_by": "requested_on",
             "occurred_on": "requested_on"},
    "case_dates": {"requested_on": ("申请日期", "the request date")},
    "states": [
        {"name": "requested", "zh": "待接收方答复", "en": "Awaiting the answer", "main": True},
        {"name": "receipt_submitted", "zh": "回执待核验", "en": "Receipt awaiting check"},
        {"name": "accepted", "zh": "已接收", "en": "Accepted", "main": True, "final": True},
        {"name": "not_accepted", "zh": "未接收", "en": "Not accepted", "final": True},
        {"name": "withdrawn", "zh": "已撤回", "en": "Withdrawn", "final": True},
    ],
    "triggers": [
        {"name": "accept_transfer", "zh": "接收", "en": "Accept", "source": "requested", "dest": "accepted",
         "roles": ["school_admin"], "form": AcceptTransferForm, "preconditions": [inside_district, receiving_side],
         "effects": [move_into_class]},
        {"name": "refuse_transfer", "zh": "拒绝接收", "en": "Refuse", "source": "requested", "dest": "not_accepted",
         "roles": ["school_admin"], "form": RefuseTransferForm, "preconditions": [inside_district, receiving_side]},
        {"name": "submit_receipt", "zh": "上传接收回执", "en": "Upload the receipt", "source": "requested",
         "dest": "receipt_submitted", "roles": SENDING, "form": ReceiptForm,
         "preconditions": [outside_district, sending_side], "guards": [receipt_attached],
         "dates": {"received_on": {"not_before": ["requested_on"]}}},
        {"name": "accept_receipt", "zh": "核验通过", "en": "Accept the receipt", "source": "receipt_submitted",
         "dest": "accepted", "roles": ["bureau_officer"], "form": CheckReceiptForm},
        {"name": "refuse_receipt", "zh": "核验不通过", "en": "Refuse the receipt", "source": "receipt_submitted",
         "dest": "not_accepted", "roles": ["bureau_officer"], "form": RefuseTransferForm},
        {"name": "withdraw_transfer", "zh": "撤回申请", "en": "Withdraw", "source": ["requested", "receipt_submitted"],
         "dest": "withdrawn", "roles": SENDING, "form": WithdrawTransferForm, "preconditions": [sending_side]},
    ],
    "clocks": [
        # The receiving school's turn (inside the district) or the receipt's (outside): reminded to that
        # side, then escalated to the bureau like any clock.
        {"name": "transfer_answer", "zh": "转学答复", "en": "Transfer answer", "starts_on": "requested",
         "due": [{"working_days": ANSWER_WORKING_DAYS}],
         "met_by": ["accept_transfer", "refuse_transfer", "submit_receipt", "withdraw_transfer"],
         "while_in": ["requested"], "remind": ["school_admin"], "remind_side": "also",
         "ladder": [{"level": 1, "after_working_days": 0, "notify": ["bureau_officer"]},
                    {"level": 2, "after_working_days": 2, "notify": ["bureau_head"]}]},
        {"name": "receipt_check", "zh": "回执核验", "en": "Receipt check", "starts_on": "receipt_submitted",
         "due": [{"working_days": CHECK_WORKING_DAYS}], "met_by": ["accept_receipt", "refuse_receipt", "withdraw_transfer"],
         "while_in": ["receipt_submitted"], "remind": ["bureau_officer"],
         "ladder": [{"level": 1, "after_working_days": 0, "notify": ["bureau_officer"]},
                    {"level": 2, "after_working_days": 2, "notify": ["bureau_head"]}]},
    ],
    "sections": [
        {"name": "request", "zh": "转学申请", "en": "Request", "actions": ["open"]},
        {"name": "answer", "zh": "接收方答复", "en": "Answer", "actions": ["accept_transfer", "refuse_transfer"]},
        {"name": "receipt", "zh": "接收回执", "en": "Receipt", "actions": ["submit_receipt", "accept_receipt",
                                                                          "refuse_receipt"]},
        {"name": "withdrawal", "zh": "撤回", "en": "Withdrawal", "actions": ["withdraw_transfer"]},
    ],
}
