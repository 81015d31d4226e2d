"""Re-enrolment (复学), follow-up checkpoints (跟踪回访), completion and relapse (反复)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import DataRequired

from forms.base import N_, BaseForm, long_text, options, short_text

# The follow-up checkpoints a follow-up is logged against: the names of the follow_up clock's due
# points in workflows/dropout.py (the definition check refuses a mismatch).
CHECKPOINTS = [("two_weeks", N_("复学后10个工作日")), ("one_month", N_("复学后1个月")), ("three_months", N_("复学后3个月"))]


class ReEnrolForm(BaseForm):
    return_date = DateField(_l("返校日期"), [DataRequired()],
                            description=_l("学生回到学校上课的第一天，不能早于辍学日期。跟踪回访的节点从这天起算。"))
    class_placed = short_text(_l("编入班级"), help=_l("复学后编入的班级，如“7年级1班”。"))
    xueji_restored = BooleanField(_l("学籍已恢复"), [DataRequired("学籍须已恢复 / The pupil's student record must be restored first")],
                                  description=_l("须已在学籍系统中为该生办好复学手续、恢复学籍。"))
    catch_up_plan = long_text(_l("补课计划"), help=_l("为跟上进度安排的补课内容、教师和时间。"))
    aid_arranged = long_text(_l("资助安排"), required=False,  # required by a guard when a reason is economic
                             help=_l("落实的资助，如生活补助、免除费用。辍学原因含“经济困难”时必填。"))
    mentor = short_text(_l("结对帮扶教师"), help=_l("与该生结对、复学后经常关心他的教师。"))


class FollowUpForm(BaseForm):
    # "3 个工作日" is dropout's FOLLOW_UP_WINDOW (forms import no workflow; say it here when it changes)
    checkpoint = SelectField(_l("回访节点"), [DataRequired()], choices=options(CHECKPOINTS),
                             description=_l("本次回访对应的节点。每个节点从到期前 3 个工作日起可以记录，三个节点都要记录。"))
    checked_on = DateField(_l("回访日期"), [DataRequired()], description=_l("实际回访的日期，不能早于返校日期。"))
    learning = long_text(_l("学习情况"), help=_l("出勤、成绩和课堂表现。"))
    daily_life = long_text(_l("生活情况"), help=_l("在校生活、与同学相处、家庭情况。"))
    psychological = long_text(_l("心理状态"), help=_l("情绪如何，有无厌学、自卑等。"))
    relapse_risk = BooleanField(_l("有再次辍学风险"),
                                description=_l("最近一次回访显示有风险时，不能完成跟踪结案。"))


class CompleteForm(BaseForm):
    summary = long_text(_l("跟踪总结"), help=_l("复学以来的总体情况和跟踪结论。三个节点都已回访且最近一次无反复风险时才能结案。"))


class RelapseForm(BaseForm):
    absent_since = DateField(_l("再次缺课日期"), [DataRequired()],
                             description=_l("复学后再次开始连续缺课的日期，不能早于返校日期。个案回到“劝返中”。"))
    note = long_text(_l("情况说明"), help=_l("再次缺课的情况和原因。"))
