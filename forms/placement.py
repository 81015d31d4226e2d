"""A disabled child's placement (残疾儿童少年安置): the assessment that opens it, each kind of placement, a
teaching visit at home (送教上门) and the end of the placement."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from forms.base import N_, BaseForm, long_text, options, short_text

# The kinds of placement, as the special placement closure of a dropout case names them.
KINDS = [("home_teaching", N_("送教上门")), ("regular_class", N_("随班就读")), ("special_school", N_("特教学校")),
         ("outside", N_("外出就读"))]
END_REASONS = [("completed", N_("完成义务教育")), ("moved_away", N_("迁出本县")), ("other", N_("其他"))]


class OpenPlacementForm(BaseForm):
    student_id = IntegerField(_l("学生"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)],
                              description=_l("花名册中的学生（您负责范围内）。每名学生同时只有一个未结安置。"))
    assessed_on = DateField(_l("评估日期"), [DataRequired()],
                            description=_l("残疾人教育专家委员会评估的日期，不能晚于今天。安置时限从这天起按工作日计算。"))
    planned = SelectField(_l("建议安置方式"), [Optional()], choices=options([("", N_("未定"))] + KINDS), default="",
                          description=_l("评估建议的安置方式；实际安置在下一步登记。"))
    note = long_text(_l("评估意见"), required=False, help=_l("残疾类别、程度和评估的结论。"))


class HomeTeachingForm(BaseForm):
    started_on = DateField(_l("开始日期"), [DataRequired()], description=_l("第一次送教上门的日期。"))
    teachers = short_text(_l("送教教师"), help=_l("负责送教上门的教师姓名，多名用顿号分隔。"))
    plan = long_text(_l("送教计划"), required=False, help=_l("每次送教的内容安排（个别化教育计划）。"))


class SchoolPlacementForm(BaseForm):
    started_on = DateField(_l("入学日期"), [DataRequired()], description=_l("在安置学校开始就读的日期。"))
    school = short_text(_l("安置学校"), help=_l("学生就读的学校全称。"))
    note = long_text(_l("说明"), required=False, help=_l("资源教室、随班就读支持等安排。"))


class TeachingVisitForm(BaseForm):
    visited_on = DateField(_l("送教日期"), [DataRequired()], description=_l("这次送教上门的日期，不能晚于今天。"))
    teachers = short_text(_l("送教教师"), help=_l("这次上门的教师姓名。"))
    content = long_text(_l("送教内容"), help=_l("这次教了什么、孩子的情况。"))


class EndPlacementForm(BaseForm):
    reason = SelectField(_l("原因"), [DataRequired()], choices=options(END_REASONS),
                         description=_l("安置为什么结束。"))
    ended_on = DateField(_l("结束日期"), [DataRequired()], description=_l("安置结束的日期。"))
    note = long_text(_l("说明"), required=False, help=_l("如迁往何地、毕业去向。"))
