"""The home-visit register (家访登记表): a visit to any pupil, recorded by their class teacher."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from forms.base import BaseForm, NotFuture, long_text, names_field, short_text
from forms.persuasion import NAMES_HELP


class HomeVisitForm(BaseForm):
    student_id = IntegerField(_l("学生"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)],
                              description=_l("您班上的学生。"))
    visited_on = DateField(_l("家访日期"), [DataRequired(), NotFuture()],
                           description=_l("实际上门的日期（不是录入的日期），不能晚于今天。"))
    visitors = names_field(_l("家访人员"), help=NAMES_HELP)
    met_with = short_text(_l("接待人(学生/家长)"), help=_l("见到的人及其与学生的关系，如“学生本人和母亲”。"))
    content = long_text(_l("家访内容"), help=_l("谈话的要点：学习、生活、家庭的情况，家长的想法。"))
    situation = long_text(_l("学生情况"), help=_l("学生现在的学习、生活和心理状态，有无辍学风险。"))
    next_step = long_text(_l("下一步"), required=False, help=_l("下次家访的时间或其他安排。"))
