"""Detection (疑似辍学), the official report (初中学生辍学情况报告表) and the bureau's verification."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from forms.base import N_, BaseForm, long_text, options, reasons_field, short_text

SOURCES = [("teacher", N_("班主任发现")), ("attendance", N_("考勤预警")), ("registry", N_("学籍比对")),
           ("report", N_("群众/部门反映")), ("recheck", N_("抽查复验")), ("other", N_("其他"))]


class DetectionForm(BaseForm):
    student_id = IntegerField(_l("学生"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)],
                              description=_l("花名册中的学生（您负责范围内）。每名学生同时只能有一个未结个案。"))
    detected_on = DateField(_l("发现日期"), [DataRequired()],
                            description=_l("发现学生未经请假连续缺课的日期，不能晚于今天。上报时限从这天起按工作日计算。"))
    source = SelectField(_l("发现途径"), choices=options(SOURCES), default="teacher",
                         description=_l("是谁、通过什么发现的。"))
    note = long_text(_l("情况说明"), required=False,
                     help=_l("如缺课天数、是否已联系家长、家长怎么说。"))


class ReportForm(BaseForm):
    dropout_date = DateField(_l("辍学日期"), [DataRequired()],
                             description=_l("学生未经批准停止到校的第一天（报告表的“辍学时间”），不能晚于今天。"))
    reasons = reasons_field()
    reason_analysis = long_text(_l("原因分析"), help=_l("结合家访和谈话写明主要原因及背后的情况。"))
    measures_taken = long_text(_l("已采取的措施"), help=_l("学校已做的劝返工作：电话、家访、谈心等，写明日期和人员。"))
    measures_effect = long_text(_l("措施效果"), help=_l("学生和家长的态度，是否同意返校。"))
    next_plan = long_text(_l("下一步工作计划"), help=_l("下一步的劝返安排，将作为“一人一案”的基础。"))


class VerifyForm(BaseForm):
    confirmed = BooleanField(_l("确认辍学"),
                             description=_l("勾选表示经教育局核查，该生确属辍学（不是请假、转学或误报）。"))
    note = long_text(_l("核查意见"), required=False, help=_l("核查方式（电话、入户、学籍比对）和结论。"))
    checked_by = short_text(_l("核查人"), required=False, help=_l("实际进行核查的人员姓名。"))
