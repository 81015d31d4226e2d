"""The county's quarterly re-check (抽查复验) of a pupil struck off the dropout ledgers: the case a draw
opens, and its result."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from forms.base import N_, BaseForm, long_text, options, short_text

METHODS = [("visit", N_("入户核查")), ("phone", N_("电话核查")), ("school_check", N_("到校核查"))]
QUARTER = r"^\d{4}-Q[1-4]$"


class RecheckOpenForm(BaseForm):
    """Filled by the draw (app/rechecks), not by hand: the pupil, the quarter drawn, the day the draw
    opened it, and the strike-off step it re-checks."""
    student_id = IntegerField(_l("学生"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)],
                              description=_l("抽中的已销号学生。每名学生同时只有一个未结复验。"))
    quarter = StringField(_l("季度"), [DataRequired(), Regexp(QUARTER, message="须为 YYYY-Qn / must look like 2026-Q4"),
                                      Length(max=7)], description=_l("抽查的季度，如 2026-Q4。"))
    drawn_on = DateField(_l("抽取日期"), [DataRequired()], description=_l("县里抽取复验对象的日期，复验时限从这天起计算。"))
    struck_step = StringField(_l("销号步骤"), [DataRequired(), Length(max=64)],
                              description=_l("学生被销号时的那一步（复学或结案方式）。"))
    struck_case_id = IntegerField(_l("原个案"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)],
                                  description=_l("学生被销号的辍学个案编号。"))


class RecheckResultForm(BaseForm):
    checked_on = DateField(_l("复验日期"), [DataRequired()], description=_l("实际复验的日期，不能晚于今天。"))
    method = SelectField(_l("复验方式"), [DataRequired()], choices=options(METHODS),
                         description=_l("入户、电话或到校查看学生是否在校。"))
    evidence = long_text(_l("复验依据"), help=_l("见到了什么、谁证实的，如到校见到学生、班主任签字的在校证明。"))
    checked_by = short_text(_l("复验人"), required=False, help=_l("实际进行复验的人员姓名。"))


class RecheckDrawForm(BaseForm):
    """The bureau's draw of a quarter's re-checks (POST /api/v1/rechecks/draw, the page, the command)."""
    quarter = StringField(_l("季度"), [DataRequired(), Length(max=7),
                                      Regexp(QUARTER, message="须为 YYYY-Qn, 例如 2026-Q4 / must look like YYYY-Qn, e.g. 2026-Q4")],
                          description=_l("抽查哪个季度销号的学生，如 2026-Q4。同一季度只抽一次。"))
    district = StringField(_l("区县"), [Optional(), Length(max=64)],
                           description=_l("区县的单位代码；不填即您所在的区县。"))
    share = IntegerField(_l("抽取比例（百分之几）"), [Optional(), NumberRange(min=1, max=100)],
                         description=_l("抽取该季度销号学生的百分比，默认百分之十，至少 5 人（不足 5 人全部抽取）。"))
    seed = IntegerField(_l("随机种子"), [Optional(), NumberRange(min=0, max=2**31 - 1)],
                        description=_l("不填则随机生成并记录；用同一种子和同一名单可重现这次抽取。"))
