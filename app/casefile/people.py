"""People as a case shows them: a display name that already says the role ("赵老师 (7年级1班 班主任)")
is not followed by the role a second time."""
from app.auth.roles import role_label


def names_role(display_name: str | None, role: str) -> bool:
    """The display name already names the role: its label, or one of the label's alternatives
    ("校长/控辍专干": 校长 or 控辍专干)."""
    label = str(role_label(role))
    return bool(display_name) and any(part and part in display_name for part in [label, *label.split("/")])


def assignee(a) -> tuple[str, bool]:
    """(the name shown for an assignee, whether the role is shown after it)."""
    name = a.user.display_name or a.user.username
    return name, not names_role(a.user.display_name, a.role)
