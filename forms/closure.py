"""Off-ramps: closures off the main path, each with a reason and evidence, approved by the bureau."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, Optional

from forms.base import N_, BaseForm, long_text, options, short_text
from forms.placement import KINDS as PLACEMENT_KINDS


class OffRampForm(BaseForm):
    evidence = long_text(_l("证明材料"), help=_l("材料的名称和编号，如请假条、转学回执、医院证明。原件由学校存档。"))
    approval_note = long_text(_l("审批意见"), required=False, help=_l("教育局的审批意见。"))


class FalseAlarmForm(OffRampForm):
    reason = SelectField(_l("原因"), [DataRequired()], choices=options([
        ("approved_leave", N_("已批准请假")), ("illness_note", N_("病假(有证明)")), ("other", N_("其他"))]),
        description=_l("为什么不是辍学：缺课已经批准或有病假证明。"))


class EnrolledElsewhereForm(OffRampForm):
    receiving_school = short_text(_l("接收学校"), help=_l("学生现在就读的学校全称。"))
    receipt_no = short_text(_l("回执编号"), help=_l("接收学校出具的入学回执（转学联系单）的编号。"))
    transfer_date = DateField(_l("转学日期"), [DataRequired()], description=_l("在接收学校入学的日期。"))


class SpecialPlacementForm(OffRampForm):
    placement = SelectField(_l("安置方式"), [DataRequired()], choices=options(PLACEMENT_KINDS),
        description=_l("残疾儿童少年接受义务教育的方式，经评估确定。"))
    placed_on = DateField(_l("安置日期"), [Optional()], description=_l("开始安置的日期。"))


class ExemptForm(OffRampForm):
    reason = SelectField(_l("原因"), [DataRequired()], choices=options([
        ("deceased", N_("死亡")), ("emigrated", N_("出国/出境")), ("medical_deferral", N_("因病缓学"))]),
        description=_l("因身体状况缓学须由监护人申请，经乡镇政府或县教育局批准（义务教育法第十一条）。"))
