"""The personal return plan (一人一案), home visits (家访劝返) and joint-return actions (联合劝返)."""
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired

from forms.base import BaseForm, long_text, names_field, options, short_text

VISIT_OUTCOMES = [("failed", "未返校"), ("promised", "承诺返校"), ("returned", "已返校"),
                  ("not_met", "未见到学生/家长")]
DEPARTMENTS = [("township", "乡镇政府"), ("village", "村委会"), ("civil_affairs", "民政"), ("police", "公安"),
               ("disabled_federation", "残联"), ("women_federation", "妇联"), ("hr_social", "人社"),
               ("education_bureau", "教育局"), ("other", "其他")]


class PlanForm(BaseForm):
    goals = long_text("帮扶目标")
    measures = long_text("针对原因的措施")
    responsible = short_text("责任人")
    team = names_field("劝返小组成员")


class VisitForm(BaseForm):
    visited_on = DateField("家访日期", [DataRequired()])
    visitors = names_field("家访人员")
    met_with = short_text("接待人(学生/家长)")
    content = long_text("家访内容")
    outcome = SelectField("结果", [DataRequired()], choices=options(VISIT_OUTCOMES))
    next_step = long_text("下一步", required=False)


class JointActionForm(BaseForm):
    acted_on = DateField("日期", [DataRequired()])
    department = SelectField("部门", [DataRequired()], choices=options(DEPARTMENTS))
    action = long_text("采取的行动")
    outcome = long_text("结果", required=False)
