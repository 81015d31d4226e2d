"""Administration forms: users and role assignments, org units, calendar overrides, roster upload."""
from wtforms import DateField, FileField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from app.auth.roles import ROLE_CHOICES, UNIT_KIND_CHOICES
from forms.base import BaseForm, options, short_text

DAY_KINDS = [("holiday", "休息日"), ("workday", "工作日"), ("clear", "恢复官方安排")]
CODE = Regexp(r"^[A-Za-z0-9_\-]+$", message="只能包含字母、数字、- 和 _ / letters, digits, - and _ only")


class UserForm(BaseForm):
    username = StringField("用户名", [DataRequired(), Length(max=64), CODE])
    display_name = short_text("姓名", required=False, max_len=100)
    password = PasswordField("初始密码", [Optional(), Length(max=200)])  # the policy: app/auth/passwords.py
    role = SelectField("角色", [DataRequired()], choices=options(ROLE_CHOICES))
    unit = short_text("单位代码", max_len=64)


class UnitForm(BaseForm):
    code = StringField("单位代码", [DataRequired(), Length(max=64), CODE])
    name = short_text("名称", max_len=200)
    kind = SelectField("类型", [DataRequired()], choices=options(UNIT_KIND_CHOICES))
    parent = short_text("上级单位代码", required=False, max_len=64)
    enrolment = IntegerField("在校生数", [Optional(), NumberRange(min=0, max=1_000_000)])


class EnrolmentForm(BaseForm):
    enrolment = IntegerField("在校生数", [InputRequired(), NumberRange(min=0, max=1_000_000)])


class CalendarDayForm(BaseForm):
    day = DateField("日期", [DataRequired()])
    kind = SelectField("设为", [DataRequired()], choices=options(DAY_KINDS))
    note = short_text("说明", required=False, max_len=100)


class RosterUploadForm(BaseForm):
    file = FileField("花名册文件(CSV 或 XLSX)", [DataRequired()])
