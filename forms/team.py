"""Who works a case: assignment, invited partners, and free notes."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired

from app.auth.roles import ASSIGNABLE_CHOICES
from forms.base import BaseForm, long_text, options, short_text


class AssignForm(BaseForm):
    username = short_text(_l("用户名"), max_len=64, help=_l("负责人须在本案所属单位担任所选角色；页面上从可担任的人员中选择，API 中填其登录名。"))
    # required: a case is assigned to a person in a role (the page marks it so; the API names it when missing)
    role = SelectField(_l("角色"), [DataRequired()], choices=options(ASSIGNABLE_CHOICES),
                       description=_l("负责人在本案中的角色。"))


class InvitePartnerForm(BaseForm):
    username = short_text(_l("成员单位用户"), max_len=64,
                          help=_l("成员单位账号的登录名。受邀后可查看本案并记录联合劝返行动，联合劝返阶段结束时自动失去访问权。"))
    note = long_text(_l("邀请说明"), required=False, help=_l("请对方协助的事项。"))


class RevokePartnerForm(BaseForm):
    username = short_text(_l("成员单位用户"), max_len=64, help=_l("要撤销访问的成员单位账号的登录名。"))
    reason = long_text(_l("撤销原因"), help=_l("记入个案记录。"))


class NoteForm(BaseForm):
    text = long_text(_l("备注"), help=_l("记入个案记录和时间线，有关人员都能看到。"))
