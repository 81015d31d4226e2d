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


class PlanForm(BaseForm):
    goals = long_text(_l("帮扶目标"))
    measures = long_text(_l("针对原因的措施"))
    responsible = short_text(_l("责任人"))
    team = names_field(_l("劝返小组成员"))


class VisitForm(BaseForm):
    visited_on = DateField(_l("家访日期"), [DataRequired()])
    visitors = names_field(_l("家访人员"))
    met_with = short_text(_l("接待人(学生/家长)"))
    content = long_text(_l("家访内容"))
    outcome = SelectField(_l("结果"), [DataRequired()], choices=options(VISIT_OUTCOMES))
    next_step = long_text(_l("下一步"), required=False)


class JointActionForm(BaseForm):
    acted_on = DateField(_l("日期"), [DataRequired()])
    department = SelectField(_l("部门"), [DataRequired()], choices=options(DEPARTMENTS))
    action = long_text(_l("采取的行动"))
    outcome = long_text(_l("结果"), required=False)
