"""Who works a case: assignment, invited partners, and free notes."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired

from app.auth.roles import ASSIGNABLE_CHOICES
from forms.base import BaseForm, long_text, options, short_text


class AssignForm(BaseForm):
    username = short_text(_l("用户名"), max_len=64)
    # required: a case is assigned to a person in a role (the page marks it so; the API names it when missing)
    role = SelectField(_l("角色"), [DataRequired()], choices=options(ASSIGNABLE_CHOICES))


class InvitePartnerForm(BaseForm):
    username = short_text(_l("成员单位用户"), max_len=64)
    note = long_text(_l("邀请说明"), required=False)


class RevokePartnerForm(BaseForm):
    username = short_text(_l("成员单位用户"), max_len=64)
    reason = long_text(_l("撤销原因"))


class NoteForm(BaseForm):
    text = long_text(_l("备注"))
