"""Off-ramps: closures off the main path, each with a reason and evidence, approved by the bureau."""
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, Optional

from forms.base import BaseForm, long_text, options, short_text


class OffRampForm(BaseForm):
    evidence = long_text("证明材料")
    approval_note = long_text("审批意见", required=False)


class FalseAlarmForm(OffRampForm):
    reason = SelectField("原因", [DataRequired()], choices=options([
        ("approved_leave", "已批准请假"), ("illness_note", "病假(有证明)"), ("other", "其他")]))


class EnrolledElsewhereForm(OffRampForm):
    receiving_school = short_text("接收学校")
    receipt_no = short_text("回执编号")
    transfer_date = DateField("转学日期", [DataRequired()])


class SpecialPlacementForm(OffRampForm):
    placement = SelectField("安置方式", [DataRequired()], choices=options([
        ("regular_class", "随班就读"), ("special_school", "特教学校"), ("home_teaching", "送教上门")]))
    placed_on = DateField("安置日期", [Optional()])


class ExemptForm(OffRampForm):
    reason = SelectField("原因", [DataRequired()], choices=options([
        ("deceased", "死亡"), ("emigrated", "出国/出境"), ("medical_deferral", "因病缓学")]))
