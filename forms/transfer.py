"""A pupil's transfer to another school (转学): the sending school's request, the receiving school's
answer (accept into one of its classes, or refuse with a reason), and, for a school outside the
district, the receiving school's receipt (回执) and the bureau's check of it."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, ValidationError
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from forms.base import BaseForm, long_text, short_text

ID = NumberRange(min=1, max=2**31 - 1)


class TransferRequestForm(BaseForm):
    student_id = IntegerField(_l("学生"), [InputRequired(), ID],
                              description=_l("要转出的学生（您负责范围内）。每名学生同时只能有一个未结转学申请。"))
    to_school_id = IntegerField(_l("接收学校"), [Optional(), ID],
                                description=_l("本区县内的接收学校：由该校校长/控辍专干接收或拒绝。转往区县外时不填。"))
    outside_school = short_text(_l("区县外接收学校"), required=False,
                                help=_l("转往区县外时填写接收学校全称：须上传其回执，由教育局核验。"))
    requested_on = DateField(_l("申请日期"), [DataRequired()],
                             description=_l("提出转学申请的日期，不能晚于今天。答复时限从这天起按工作日计算。"))
    reason = long_text(_l("转学原因"), help=_l("如随父母务工迁居、户籍迁移。"))

    def validate_outside_school(self, field):
        # Exactly one destination: a school of the district (answered by it) or one outside (a receipt).
        if bool(field.data and field.data.strip()) == (self.to_school_id.data is not None):
            raise ValidationError("须填写接收学校或区县外接收学校之一 / name either a school of the district or "
                                  "one outside it, not both")


class AcceptTransferForm(BaseForm):
    class_id = IntegerField(_l("接收班级"), [InputRequired(), ID],
                            description=_l("学生在本校就读的班级：接收后学生的学籍转入该班，学生信息变更记录在案。"))
    note = long_text(_l("备注"), required=False, help=_l("可不填。"))


class RefuseTransferForm(BaseForm):
    reason = long_text(_l("拒绝原因"), help=_l("必填：为什么不能接收。学生仍在原学校。"))


class ReceiptForm(BaseForm):
    receipt_no = short_text(_l("回执编号"), help=_l("接收学校出具的入学回执（转学联系单）的编号。须同时上传回执文件。"))
    received_on = DateField(_l("回执日期"), [DataRequired()], description=_l("接收学校出具回执的日期，不能晚于今天。"))


class CheckReceiptForm(BaseForm):
    note = long_text(_l("核验意见"), required=False, help=_l("可不填。"))


class WithdrawTransferForm(BaseForm):
    reason = long_text(_l("撤回原因"), help=_l("为什么不再转学。"))
