"""A school's monthly report (学校月报): opening it for a school and a month, its figures, and the
bureau's answer (acknowledged, or returned for correction with a reason)."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, MonthField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from forms.base import BaseForm, long_text

# A school's head count fits easily; the bound only keeps a typo (an extra digit or three) out.
MAX_PUPILS = 100_000


def count_field(label):
    """A number of pupils: a whole number, 0 or more."""
    return IntegerField(label, [InputRequired(), NumberRange(min=0, max=MAX_PUPILS,
                                                             message="须为 0 或正整数 / must be 0 or more")])


class OpenReportForm(BaseForm):
    school_id = IntegerField(_l("学校"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)])
    # "YYYY-MM"; its value is the month's first day, the date the report's deadline counts from
    month = MonthField(_l("报告月份"), [DataRequired()])


class MonthlyFiguresForm(BaseForm):
    enrolled = count_field(_l("在籍学生数"))
    dropouts_found = count_field(_l("本月新发现辍学人数"))
    returned = count_field(_l("本月劝返复学人数"))
    note = long_text(_l("情况说明"), required=False)


class AcknowledgeForm(BaseForm):
    note = long_text(_l("审核意见"), required=False)


class ReturnReportForm(BaseForm):
    reason = long_text(_l("退回原因"))
