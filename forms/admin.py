"""Administration forms: users and role assignments, org units, calendar overrides, roster upload."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from app.auth.roles import ROLE_CHOICES, UNIT_KIND_CHOICES
from forms.base import N_, BaseForm, options, short_text

DAY_KINDS = [("holiday", N_("休息日")), ("workday", N_("工作日")), ("clear", N_("恢复官方安排"))]
CODE = Regexp(r"^[A-Za-z0-9_\-]+$", message="只能包含字母、数字、- 和 _ / letters, digits, - and _ only")


class UserForm(BaseForm):
    username = StringField(_l("用户名"), [DataRequired(), Length(max=64), CODE])
    display_name = short_text(_l("姓名"), required=False, max_len=100)
    password = PasswordField(_l("初始密码"), [Optional(), Length(max=200)])  # the policy: app/auth/passwords.py
    role = SelectField(_l("角色"), [DataRequired()], choices=options(ROLE_CHOICES))
    unit = short_text(_l("单位代码"), max_len=64)


class UnitForm(BaseForm):
    code = StringField(_l("单位代码"), [DataRequired(), Length(max=64), CODE])
    name = short_text(_l("名称"), max_len=200)
    kind = SelectField(_l("类型"), [DataRequired()], choices=options(UNIT_KIND_CHOICES))
    parent = short_text(_l("上级单位代码"), required=False, max_len=64)
    enrolment = IntegerField(_l("在校生数"), [Optional(), NumberRange(min=0, max=1_000_000)])


class EnrolmentForm(BaseForm):
    enrolment = IntegerField(_l("在校生数"), [InputRequired(), NumberRange(min=0, max=1_000_000)])


class CalendarDayForm(BaseForm):
    day = DateField(_l("日期"), [DataRequired()])
    kind = SelectField(_l("设为"), [DataRequired()], choices=options(DAY_KINDS))
    note = short_text(_l("说明"), required=False, max_len=100)


class RosterUploadForm(BaseForm):
    file = FileField(_l("花名册文件(CSV 或 XLSX)"), [DataRequired()])
