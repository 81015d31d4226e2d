"""Off-ramps: closures off the main path, each with a reason and evidence, approved by the bureau."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, Optional

from forms.base import N_, BaseForm, long_text, options, short_text


class OffRampForm(BaseForm):
    evidence = long_text(_l("证明材料"))
    approval_note = long_text(_l("审批意见"), required=False)


class FalseAlarmForm(OffRampForm):
    reason = SelectField(_l("原因"), [DataRequired()], choices=options([
        ("approved_leave", N_("已批准请假")), ("illness_note", N_("病假(有证明)")), ("other", N_("其他"))]))


class EnrolledElsewhereForm(OffRampForm):
    receiving_school = short_text(_l("接收学校"))
    receipt_no = short_text(_l("回执编号"))
    transfer_date = DateField(_l("转学日期"), [DataRequired()])


class SpecialPlacementForm(OffRampForm):
    placement = SelectField(_l("安置方式"), [DataRequired()], choices=options([
        ("regular_class", N_("随班就读")), ("special_school", N_("特教学校")), ("home_teaching", N_("送教上门"))]))
    placed_on = DateField(_l("安置日期"), [Optional()])


class ExemptForm(OffRampForm):
    reason = SelectField(_l("原因"), [DataRequired()], choices=options([
        ("deceased", N_("死亡")), ("emigrated", N_("出国/出境")), ("medical_deferral", N_("因病缓学"))]))
