"""A pupil on the roster (学籍): the API's POST /students and each row of a roster import."""
import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, ValidationError
from wtforms.validators import DataRequired

from forms.pupil_numbers import SHAPE, InvalidNumber, parse
from forms.base import N_, BaseForm, NotFuture, options, short_text

# 全国学籍号 G / L / J (forms/pupil_numbers.py): the shape the OpenAPI document states; the form checks more.
STUDENT_NO = re.compile(SHAPE)
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


class PupilForm(BaseForm):
    student_no = short_text(_l("学籍号"), max_len=19)
    name = short_text(_l("姓名"), max_len=50)
    gender = SelectField(_l("性别"), [DataRequired()], choices=options([("M", N_("男")), ("F", N_("女"))]))
    birth_date = DateField(_l("出生日期"), [DataRequired(), NotFuture()])
    class_code = short_text(_l("班级代码"), max_len=64)
    guardian_name = short_text(_l("监护人"), required=False, max_len=50)
    guardian_phone = short_text(_l("监护人电话"), required=False, max_len=20)
    address = short_text(_l("住址"), required=False, max_len=300)
    township = short_text(_l("乡镇"), required=False, max_len=100)
    village = short_text(_l("村"), required=False, max_len=100)
    economic_hardship = BooleanField(_l("经济困难"))
    disability = BooleanField(_l("残疾"))
    left_behind = BooleanField(_l("留守儿童"))
    migrant = BooleanField(_l("随迁子女"))

    def validate_student_no(self, field):
        # G, L or J with a valid check digit (forms/pupil_numbers.py). A birth date unlike the one inside
        # the number is a warning of the import or POST (the registry keeps corrected IDs), not an error.
        try:
            parse(field.data)
        except InvalidNumber as e:
            raise ValidationError(str(e)) from None

    def validate_guardian_phone(self, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError("电话号码格式不正确 / not a valid phone number")
