"""铁脚板摸排: a door-to-door visit to a child no register explains (a registry mismatch of a child not on
the roster), who must go, and what they found."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from forms.base import N_, BaseForm, long_text, options, short_text
from forms.intake import SOURCES

FINDINGS = [("in_school_elsewhere", N_("在外地就读")), ("moved_away", N_("已迁出本县")),
            ("out_of_school", N_("确未入学/失学")), ("deceased", N_("已死亡")), ("exempt", N_("缓学/免学")),
            ("not_found", N_("未找到本人"))]


class OpenDoorVisitForm(BaseForm):
    district_id = IntegerField(_l("区县"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)],
                               description=_l("户籍所在的区县教育局。"))
    mismatch_id = IntegerField(_l("比对结果"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)],
                               description=_l("需要上门核实的比对结果编号。每条比对结果只派发一次摸排。"))
    ordered_on = DateField(_l("派发日期"), [DataRequired()],
                           description=_l("派发摸排任务的日期，摸排时限从这天起按工作日计算。"))
    visitor = short_text(_l("摸排责任人"), help=_l("负责上门核实的人员，如包村干部、村委会主任或学校教师的姓名。"))
    note = long_text(_l("说明"), required=False, help=_l("需要核实的情况，如户籍地址、家长联系方式。"))
    # A visit comes from a registry comparison (the case's source, as a dropout case's detection says its own).
    source = SelectField(_l("发现途径"), choices=options([c for c in SOURCES if c[0] == "registry"]), default="registry",
                         description=_l("是谁、通过什么发现的。"))


class FindingForm(BaseForm):
    visited_on = DateField(_l("摸排日期"), [DataRequired()], description=_l("上门核实的日期，不能晚于今天。"))
    finding = SelectField(_l("摸排结果"), choices=options(FINDINGS), description=_l("上门核实后儿童的实际情况。"))
    evidence = long_text(_l("核实情况"), help=_l("见到了谁、怎么核实的；外地就读请写明学校和学籍回执编号。"))
