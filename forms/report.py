"""A school's monthly report (学校月报): opening it for a school and a month, its figures, and the
bureau's answer (acknowledged, or returned for correction with a reason)."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, MonthField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from forms.base import BaseForm, long_text

# A school's head count fits easily; the bound only keeps a typo (an extra digit or three) out.
MAX_PUPILS = 100_000


def count_field(label, help=""):
    """A number of pupils: a whole number, 0 or more."""
    return IntegerField(label, [InputRequired(), NumberRange(min=0, max=MAX_PUPILS,
                                                             message="须为 0 或正整数 / must be 0 or more")],
                        description=help)


class OpenReportForm(BaseForm):
    school_id = IntegerField(_l("学校"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)],
                             description=_l("报送月报的学校。每校每月一份。"))
    # "YYYY-MM"; its value is the month's first day, the date the report's deadline counts from
    month = MonthField(_l("报告月份"), [DataRequired()],
                       description=_l("月报所属的月份，格式 YYYY-MM，如 2026-11。报送时限从该月第一天起算。"))


class MonthlyFiguresForm(BaseForm):
    enrolled = count_field(_l("在籍学生数"), _l("本月末学籍系统中的在籍学生人数。"))
    dropouts_found = count_field(_l("本月新发现辍学人数"), _l("本月新发现的辍学学生数，不含以前月份已报的。"))
    returned = count_field(_l("本月劝返复学人数"), _l("本月劝返后回校复学的学生数。"))
    note = long_text(_l("情况说明"), required=False, help=_l("需要说明的情况，如人数变化的原因。"))


class AcknowledgeForm(BaseForm):
    note = long_text(_l("审核意见"), required=False, help=_l("可不填。"))


class ReturnReportForm(BaseForm):
    reason = long_text(_l("退回原因"), help=_l("需要更正的内容。学校更正后重新报送。"))
