"""Detection (疑似辍学), the official report (初中学生辍学情况报告表) and the bureau's verification."""
from wtforms import BooleanField, DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from forms.base import BaseForm, long_text, options, reasons_field, short_text

SOURCES = [("teacher", "班主任发现"), ("attendance", "考勤预警"), ("registry", "学籍比对"),
           ("report", "群众/部门反映"), ("other", "其他")]


class DetectionForm(BaseForm):
    student_id = IntegerField("学生", [InputRequired(), NumberRange(min=1, max=2**31 - 1)])
    detected_on = DateField("发现日期", [DataRequired()])
    source = SelectField("发现途径", choices=options(SOURCES), default="teacher")
    note = long_text("情况说明", required=False)


class ReportForm(BaseForm):
    dropout_date = DateField("辍学日期", [DataRequired()])
    reasons = reasons_field()
    reason_analysis = long_text("原因分析")
    measures_taken = long_text("已采取的措施")
    measures_effect = long_text("措施效果")
    next_plan = long_text("下一步工作计划")


class VerifyForm(BaseForm):
    confirmed = BooleanField("确认辍学")
    note = long_text("核查意见", required=False)
    checked_by = short_text("核查人", required=False)
