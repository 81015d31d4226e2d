"""A school's monthly report (学校月报): opened per school per month, submitted with the month's
figures by the 28th, acknowledged by the bureau or returned for correction.

Its subject is not a pupil: a school (an org unit of kind "school") and a month. The engine, the
deadline service, the audit chain, the API and the pages serve it as they serve dropout; nothing of
it lives in app/. Like every definition it imports nothing from app/.
"""
from forms.report import AcknowledgeForm, MonthlyFiguresForm, OpenReportForm, ReturnReportForm

DUE_DAY = 28  # the report of a month is due by this day of that month (next working day if not one)
# The bureau may set another due day for its county: the clock's due point names the unit setting.
DUE_DAY_SETTING = "report_due_day"


# --- guards: return {field: message} when the step may not happen -------------------------------

def figures_add_up(ctx):
    """Pupils found dropped out this month are pupils of the school: not more than it enrols."""
    if ctx.data["dropouts_found"] > ctx.data["enrolled"]:
        return {"dropouts_found": "新发现辍学人数不能多于在籍学生数 / cannot exceed the pupils enrolled"}


# --- effects -----------------------------------------------------------------------------------

def keep_figures(ctx):
    """The last submitted figures are the report's: shown on the case and kept when it is returned."""
    ctx.set("figures", {k: ctx.data[k] for k in ("enrolled", "dropouts_found", "returned")})


def freeze_report(ctx):
    """What is submitted is frozen with the step: the figures, the school's counts now, and a signed
    checkpoint of its cases' audit chains; a correction submitted again is a new version."""
    ctx.freeze("school_month")


def count_return(ctx):
    ctx.vars["corrections"] = ctx.vars.get("corrections", 0) + 1


DEFINITION = {
    "name": "school_report",
    "title": {"zh": "学校月报", "en": "School monthly report"},
    # One open report per school per month: the school is the subject (its unit path the scope), the
    # month completes the identity.
    "subject": {"kind": "unit", "field": "school_id", "unit_kinds": ["school"], "key": ["month"]},
    "initial": "drafting",
    "open": {"roles": ["school_admin", "bureau_officer"], "form": OpenReportForm,
             "occurred_on": "month", "dated_by": "month"},
    "fields": {"figures": {"default": None}},
    "case_dates": {"month": ("报告月份", "the report month")},
    "states": [
        {"name": "drafting", "zh": "填报中", "en": "Drafting", "main": True},
        {"name": "submitted", "zh": "已提交", "en": "Submitted", "main": True},
        {"name": "acknowledged", "zh": "已确认", "en": "Acknowledged", "main": True, "final": True},
    ],
    "triggers": [
        {"name": "submit_report", "zh": "提交月报", "en": "Submit the report", "source": "drafting", "dest": "submitted",
         "roles": ["school_admin"], "form": MonthlyFiguresForm, "guards": [figures_add_up],
         "effects": [keep_figures, freeze_report]},
        {"name": "acknowledge", "zh": "确认收到", "en": "Acknowledge", "source": "submitted",
         "dest": "acknowledged", "roles": ["bureau_officer"], "form": AcknowledgeForm},
        {"name": "return_for_correction", "zh": "退回修改", "en": "Return for correction", "source": "submitted",
         "dest": "drafting", "roles": ["bureau_officer"], "form": ReturnReportForm, "effects": [count_return]},
    ],
    "clocks": [
        # Counted from the report month's first day (the case date the open form gives), so a report
        # opened late, or returned, is still due by the 28th of its month (or the county's own day).
        {"name": "submission", "zh": "月报报送", "en": "Report submission", "starts_on": "drafting",
         "counts_from": "month", "due": [{"day_of_month": DUE_DAY, "setting": DUE_DAY_SETTING}], "met_by": ["submit_report"],
         "while_in": ["drafting"], "remind": ["school_admin"],
         "ladder": [{"level": 1, "after_working_days": 0, "notify": ["bureau_officer"]},
                    {"level": 2, "after_working_days": 2, "notify": ["bureau_head"]}]},
        # The bureau's own turn: a reminder and an overdue mark, no one above to escalate to.
        {"name": "review", "zh": "教育局审核", "en": "Bureau review", "starts_on": "submitted",
         "due": [{"working_days": 5}], "met_by": ["acknowledge", "return_for_correction"],
         "while_in": ["submitted"], "remind": ["bureau_officer"]},
    ],
    "reminder_working_days_before": 1,
    # The case page's record sections: what the school sent, and what the bureau answered. No state
    # carries a report mark: these are not dropout cases, and the dropout reports do not count them.
    "sections": [
        {"name": "figures", "zh": "报送数据", "en": "Figures submitted", "actions": ["submit_report"]},
        {"name": "review", "zh": "教育局审核", "en": "Bureau review",
         "actions": ["acknowledge", "return_for_correction"]},
    ],
}
