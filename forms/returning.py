"""Re-enrolment (复学), follow-up checkpoints (跟踪回访), completion and relapse (反复)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import DataRequired

from forms.base import N_, BaseForm, long_text, options, short_text

# The follow-up checkpoints a follow-up is logged against: the names of the follow_up clock's due
# points in workflows/dropout.py (the definition check refuses a mismatch).
CHECKPOINTS = [("two_weeks", N_("复学后10个工作日")), ("one_month", N_("复学后1个月")), ("three_months", N_("复学后3个月"))]


class ReEnrolForm(BaseForm):
    return_date = DateField(_l("返校日期"), [DataRequired()])
    class_placed = short_text(_l("编入班级"))
    xueji_restored = BooleanField(_l("学籍已恢复"), [DataRequired("学籍须已恢复 / The pupil's student record must be restored first")])
    catch_up_plan = long_text(_l("补课计划"))
    aid_arranged = long_text(_l("资助安排"), required=False)  # required by a guard when a reason is economic
    mentor = short_text(_l("结对帮扶教师"))


class FollowUpForm(BaseForm):
    checkpoint = SelectField(_l("回访节点"), [DataRequired()], choices=options(CHECKPOINTS))
    checked_on = DateField(_l("回访日期"), [DataRequired()])
    learning = long_text(_l("学习情况"))
    daily_life = long_text(_l("生活情况"))
    psychological = long_text(_l("心理状态"))
    relapse_risk = BooleanField(_l("有再次辍学风险"))


class CompleteForm(BaseForm):
    summary = long_text(_l("跟踪总结"))


class RelapseForm(BaseForm):
    absent_since = DateField(_l("再次缺课日期"), [DataRequired()])
    note = long_text(_l("情况说明"))
