"""Detection (疑似辍学), the official report (初中学生辍学情况报告表) and the bureau's verification."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from forms.base import N_, BaseForm, long_text, options, reasons_field, short_text

SOURCES = [("teacher", N_("班主任发现")), ("attendance", N_("考勤预警")), ("registry", N_("学籍比对")),
           ("report", N_("群众/部门反映")), ("other", N_("其他"))]


class DetectionForm(BaseForm):
    student_id = IntegerField(_l("学生"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)])
    detected_on = DateField(_l("发现日期"), [DataRequired()])
    source = SelectField(_l("发现途径"), choices=options(SOURCES), default="teacher")
    note = long_text(_l("情况说明"), required=False)


class ReportForm(BaseForm):
    dropout_date = DateField(_l("辍学日期"), [DataRequired()])
    reasons = reasons_field()
    reason_analysis = long_text(_l("原因分析"))
    measures_taken = long_text(_l("已采取的措施"))
    measures_effect = long_text(_l("措施效果"))
    next_plan = long_text(_l("下一步工作计划"))


class VerifyForm(BaseForm):
    confirmed = BooleanField(_l("确认辍学"))
    note = long_text(_l("核查意见"), required=False)
    checked_by = short_text(_l("核查人"), required=False)
