"""A pupil on the roster (学籍): the API's POST /students and each row of a roster import."""
import re

from wtforms import BooleanField, DateField, SelectField, ValidationError
from wtforms.validators import DataRequired

from forms.base import BaseForm, NotFuture, options, short_text

# 全国学籍号: G + the 18-character resident ID (last may be X); L + the same for a temporary number.
STUDENT_NO = re.compile(r"^[GL]\d{17}[\dX]$")
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


class PupilForm(BaseForm):
    student_no = short_text("学籍号", max_len=19)
    name = short_text("姓名", max_len=50)
    gender = SelectField("性别", [DataRequired()], choices=options([("M", "男"), ("F", "女")]))
    birth_date = DateField("出生日期", [DataRequired(), NotFuture()])
    class_code = short_text("班级代码", max_len=64)
    guardian_name = short_text("监护人", required=False, max_len=50)
    guardian_phone = short_text("监护人电话", required=False, max_len=20)
    address = short_text("住址", required=False, max_len=300)
    township = short_text("乡镇", required=False, max_len=100)
    village = short_text("村", required=False, max_len=100)
    economic_hardship = BooleanField("经济困难")
    disability = BooleanField("残疾")
    left_behind = BooleanField("留守儿童")
    migrant = BooleanField("随迁子女")

    def validate_student_no(self, field):
        if not STUDENT_NO.match(field.data or ""):
            raise ValidationError("学籍号格式应为 G/L + 18 位身份证号 / must be G or L followed by 18 ID digits")

    def validate_birth_date(self, field):
        no = self.student_no.data or ""
        if field.data and STUDENT_NO.match(no) and no[7:15] != field.data.strftime("%Y%m%d"):
            raise ValidationError("出生日期与学籍号不符 / does not match the birth date in the 学籍号")

    def validate_guardian_phone(self, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError("电话号码格式不正确 / not a valid phone number")
