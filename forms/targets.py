"""The bureau's targets for a unit and school year, and a school's month of abnormal 学籍 status counts."""
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from forms.base import BaseForm, short_text

YEARS = (2000, 2100)


class TargetsForm(BaseForm):
    unit = short_text(_l("单位代码"), max_len=64, help=_l("学校的代码，或县（区）的代码：县（区）的目标适用于其下未单独设置的学校。"))
    school_year = IntegerField(_l("学年"), [InputRequired(), NumberRange(min=YEARS[0], max=YEARS[1])],
                               description=_l("学年开始的年份，如 2026 表示 2026—2027 学年。"))
    dropout_rate_max = DecimalField(_l("辍学率上限（百分数）"), [InputRequired(), NumberRange(min=0, max=100)],
                                    places=2, description=_l("辍学率不高于此百分比为达标，如 1.5。"))
    retention_rate_min = DecimalField(_l("巩固率下限（百分数）"), [InputRequired(), NumberRange(min=0, max=100)],
                                      places=2, description=_l("巩固率不低于此百分比为达标，如 97。"))


class StatusCountsForm(BaseForm):
    school = short_text(_l("学校代码"), max_len=64, help=_l("报送的学校的代码。"))
    month = short_text(_l("月份"), max_len=7, help=_l("月末的统计，格式 YYYY-MM，如 2026-10。"))
    abnormal = IntegerField(_l("学籍异常人数"), [InputRequired(), NumberRange(min=0, max=10**6)],
                            description=_l("月末学籍状态异常的学生总数。"))
    other_left = IntegerField(_l("其中：其他离校"), [InputRequired(), NumberRange(min=0, max=10**6)],
                              description=_l("学籍系统中标为“其他离校”的人数。"))
    problem_records = IntegerField(_l("其中：问题学籍"), [InputRequired(), NumberRange(min=0, max=10**6)],
                                   description=_l("重复学籍、信息不全等待处理的学籍数。"))
