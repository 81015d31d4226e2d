"""Re-enrolment (复学), follow-up checkpoints (跟踪回访), completion and relapse (反复)."""
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import DataRequired

from forms.base import BaseForm, long_text, options, short_text

# The follow-up checkpoints a follow-up is logged against: the names of the follow_up clock's due
# points in workflows/dropout.py (the definition check refuses a mismatch).
CHECKPOINTS = [("two_weeks", "复学后10个工作日"), ("one_month", "复学后1个月"), ("three_months", "复学后3个月")]


class ReEnrolForm(BaseForm):
    return_date = DateField("返校日期", [DataRequired()])
    class_placed = short_text("编入班级")
    xueji_restored = BooleanField("学籍已恢复", [DataRequired("学籍须已恢复 / 学籍 must be restored")])
    catch_up_plan = long_text("补课计划")
    aid_arranged = long_text("资助安排", required=False)  # required by a guard when a reason is economic
    mentor = short_text("结对帮扶教师")


class FollowUpForm(BaseForm):
    checkpoint = SelectField("回访节点", [DataRequired()], choices=options(CHECKPOINTS))
    checked_on = DateField("回访日期", [DataRequired()])
    learning = long_text("学习情况")
    daily_life = long_text("生活情况")
    psychological = long_text("心理状态")
    relapse_risk = BooleanField("有再次辍学风险")


class CompleteForm(BaseForm):
    summary = long_text("跟踪总结")


class RelapseForm(BaseForm):
    absent_since = DateField("再次缺课日期", [DataRequired()])
    note = long_text("情况说明")
