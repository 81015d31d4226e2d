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
    student_no = short_text(_l("学籍号"), max_len=19,
                            help=_l("全国学籍号：G、L 或 J 加 18 位（身份证号的规则，末位可为 X），如 G522601201109010012。"))
    name = short_text(_l("姓名"), max_len=50, help=_l("与学籍系统中一致。"))
    gender = SelectField(_l("性别"), [DataRequired()], choices=options([("M", N_("男")), ("F", N_("女"))]),
                         description=_l("男 或 女（导入时也可写 M/F）。"))
    birth_date = DateField(_l("出生日期"), [DataRequired(), NotFuture()],
                           description=_l("如 2013-01-04。导入的文件中也可写 2013年1月4日、2013/1/4、2013.1.4 或 20130104。"))
    class_code = short_text(_l("班级代码"), max_len=64, help=_l("学生所在班级的单位代码，如 SA-7-1（管理 › 单位）。"))
    guardian_name = short_text(_l("监护人"), required=False, max_len=50)
    guardian_phone = short_text(_l("监护人电话"), required=False, max_len=20,
                                help=_l("11 位手机号，或带区号的座机，如 0851-2345678。"))
    address = short_text(_l("住址"), required=False, max_len=300, help=_l("家庭住址，家访时用。"))
    township = short_text(_l("乡镇"), required=False, max_len=100)
    village = short_text(_l("村"), required=False, max_len=100)
    economic_hardship = BooleanField(_l("经济困难"), description=_l("家庭经济困难学生（如低保、特困供养、防返贫监测户）。"))
    disability = BooleanField(_l("残疾"), description=_l("持残疾证或经评估认定的残疾儿童少年。"))
    left_behind = BooleanField(_l("留守儿童"), description=_l("父母双方外出务工，或一方外出务工另一方无监护能力。"))
    migrant = BooleanField(_l("随迁子女"), description=_l("随父母在户籍所在地以外就读。"))
    orphan = BooleanField(_l("孤儿"), description=_l("父母双方均已去世或被宣告死亡、失踪。"))
    unsupported = BooleanField(_l("事实无人抚养"), description=_l("父母无法履行抚养义务（如重残、重病、服刑、失联），由他人照料。"))

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
