"""An absence (缺勤): the one schema of the attendance page, the register import's rows and
POST /api/v1/attendance (each item of its batch)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, FileField, IntegerField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from forms.base import BaseForm, NotFuture, short_text


class AbsenceForm(BaseForm):
    student_id = IntegerField(_l("学生"), [InputRequired(), NumberRange(min=1, max=2**31 - 1)],
                              description=_l("缺勤的学生（您负责的班级内）。"))
    day = DateField(_l("缺勤日期"), [DataRequired(), NotFuture()],
                    description=_l("上课日（中国法定工作日，含调休上班日），不能晚于今天。同一天再次登记会更新原记录。"))
    excused = BooleanField(_l("已请假"), description=_l("勾选表示已请假（病假、事假）；未请假的连续缺勤会触发辍学预警。"))
    reason = short_text(_l("缺勤原因"), required=False,
                        help=_l("如“病假”“家长未说明”“电话联系不上”。"))


class RegisterUploadForm(BaseForm):
    file = FileField(_l("考勤表文件(CSV 或 XLSX)"), [DataRequired()],
                     description=_l("第一行为列名：学籍号、日期、是否请假、原因（姓名可有可无）。每行一次缺勤；再次导入同一文件不会重复登记。"))

