"""The personal return plan (一人一案), home visits (家访劝返) and joint-return actions (联合劝返)."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired

from forms.base import N_, BaseForm, long_text, names_field, options, short_text

VISIT_OUTCOMES = [("failed", N_("未返校")), ("promised", N_("承诺返校")), ("returned", N_("已返校")),
                  ("not_met", N_("未见到学生/家长"))]
DEPARTMENTS = [("township", N_("乡镇政府")), ("village", N_("村委会")), ("civil_affairs", N_("民政")), ("police", N_("公安")),
               ("disabled_federation", N_("残联")), ("women_federation", N_("妇联")), ("hr_social", N_("人社")),
               ("education_bureau", N_("教育局")), ("other", N_("其他"))]
NAMES_HELP = _l("多人用逗号或顿号分隔。")


class PlanForm(BaseForm):
    goals = long_text(_l("帮扶目标"), help=_l("本案要达到的目标，如某日前返校、恢复学籍。"))
    measures = long_text(_l("针对原因的措施"),
                         help=_l("针对每项辍学原因的具体措施，如经济困难落实资助，学习困难安排补课。"))
    responsible = short_text(_l("责任人"), help=_l("对本案负总责的人，通常是校长或包年级领导。"))
    team = names_field(_l("劝返小组成员"), help=_l("如班主任、任课教师、村干部。多人用逗号或顿号分隔。"))


class VisitForm(BaseForm):
    visited_on = DateField(_l("家访日期"), [DataRequired()],
                           description=_l("实际上门的日期（不是录入的日期），不能晚于今天，也不能早于发现日期。"))
    visitors = names_field(_l("家访人员"), help=NAMES_HELP)
    met_with = short_text(_l("接待人(学生/家长)"), help=_l("见到的人及其与学生的关系，如“学生本人和母亲”。"))
    content = long_text(_l("家访内容"),
                        help=_l("谈话要点：宣讲义务教育法规定的送子女入学义务，了解的原因，家长的态度。"))
    # the two outcomes two_failed_visits (workflows/dropout.py) counts
    outcome = SelectField(_l("结果"), [DataRequired()], choices=options(VISIT_OUTCOMES),
                          description=_l("“未返校”和“未见到学生/家长”算一次未成功的家访；本轮满 2 次后可提请联合劝返。"))
    next_step = long_text(_l("下一步"), required=False, help=_l("下次家访的时间或其他安排。"))


class JointActionForm(BaseForm):
    acted_on = DateField(_l("日期"), [DataRequired()], description=_l("行动实际发生的日期。"))
    department = SelectField(_l("部门"), [DataRequired()], choices=options(DEPARTMENTS),
                             description=_l("采取行动的成员单位。"))
    action = long_text(_l("采取的行动"),
                       help=_l("如乡镇政府约谈监护人、下达限期复学通知书、民政落实救助。"))
    outcome = long_text(_l("结果"), required=False, help=_l("监护人和学生的回应。"))
