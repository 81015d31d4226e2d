"""Who works a case: assignment, invited partners, and free notes."""
from wtforms import SelectField

from forms.base import BaseForm, long_text, options, short_text

ASSIGNABLE_ROLES = [("class_teacher", "班主任"), ("grade_leader", "包年级领导"),
                    ("school_admin", "控辍专干"), ("bureau_officer", "教育局控辍专干")]


class AssignForm(BaseForm):
    username = short_text("用户名", max_len=64)
    role = SelectField("角色", choices=options(ASSIGNABLE_ROLES))


class InvitePartnerForm(BaseForm):
    username = short_text("成员单位用户", max_len=64)
    note = long_text("邀请说明", required=False)


class RevokePartnerForm(BaseForm):
    username = short_text("成员单位用户", max_len=64)
    reason = long_text("撤销原因")


class NoteForm(BaseForm):
    text = long_text("备注")
