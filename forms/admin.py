"""Administration forms: users and role assignments, org units, calendar overrides, roster upload."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from app.auth.roles import ROLE_CHOICES, UNIT_KIND_CHOICES
from forms.base import N_, BaseForm, options, short_text

DAY_KINDS = [("holiday", N_("休息日")), ("workday", N_("工作日")), ("clear", N_("恢复官方安排"))]
CODE = Regexp(r"^[A-Za-z0-9_\-]+$", message="只能包含字母、数字、- 和 _ / letters, digits, - and _ only")


class UserForm(BaseForm):
    username = StringField(_l("用户名"), [DataRequired(), Length(max=64), CODE],
                           description=_l("登录名：字母、数字、- 和 _。已有的用户名则为该用户增加一个角色。"))
    display_name = short_text(_l("姓名"), required=False, max_len=100, help=_l("页面上显示的名字，如“赵老师”。"))
    password = PasswordField(_l("初始密码"), [Optional(), Length(max=200)],
                             description=_l("新用户须设置。给已有用户填写则重置其密码；留空不变。"))  # the policy: app/auth/passwords.py
    role = SelectField(_l("角色"), [DataRequired()], choices=options(ROLE_CHOICES),
                       description=_l("角色决定能看到哪些个案、能做哪些操作（见帮助）。"))
    unit = short_text(_l("单位代码"), max_len=64,
                      help=_l("角色负责的单位：班主任填班级，包年级领导填年级，校长填学校，教育局填区县，成员单位填部门。"))


class UnitForm(BaseForm):
    code = StringField(_l("单位代码"), [DataRequired(), Length(max=64), CODE],
                       description=_l("唯一代码：字母、数字、- 和 _，如 SA-7-1。"))
    name = short_text(_l("名称"), max_len=200)
    kind = SelectField(_l("类型"), [DataRequired()], choices=options(UNIT_KIND_CHOICES))
    parent = short_text(_l("上级单位代码"), required=False, max_len=64, help=_l("学校和成员单位的上级是区县，年级的上级是学校，班级的上级是年级；区县教育局留空。"))
    enrolment = IntegerField(_l("在校生数"), [Optional(), NumberRange(min=0, max=1_000_000)],
                             description=_l("学校的在校生数，报表用它计算辍学率和巩固率。"))


class EnrolmentForm(BaseForm):
    enrolment = IntegerField(_l("在校生数"), [InputRequired(), NumberRange(min=0, max=1_000_000)])


class CalendarDayForm(BaseForm):
    day = DateField(_l("日期"), [DataRequired()])
    kind = SelectField(_l("设为"), [DataRequired()], choices=options(DAY_KINDS),
                       description=_l("休息日：本地临时放假；工作日：调休补班；恢复官方安排：撤销本日的调整。时限按工作日计算。"))
    note = short_text(_l("说明"), required=False, max_len=100)


class RosterUploadForm(BaseForm):
    file = FileField(_l("花名册文件(CSV 或 XLSX)"), [DataRequired()],
                     description=_l("第一行为列名。CSV 可为 UTF-8 或 GBK 编码；也可直接上传 Excel 文件。"))
