"""People as a case shows them: a display name that already says the role ("赵老师 (7年级1班 班主任)")
is not followed by the role a second time."""
from flask_babel import gettext
from sqlalchemy import select

from app.auth.roles import role_label
from app.extensions import db
from app.models import User


def names_role(display_name: str | None, role: str) -> bool:
    """The display name already names the role: its label, or one of the label's alternatives
    ("校长/控辍专干": 校长 or 控辍专干)."""
    if not display_name:
        return False
    label, name = str(role_label(role)), "".join(display_name.split())  # "教育局 控辍专干" names 教育局控辍专干
    return any(part and part in name for part in [label, *label.split("/")])


def assignee(a) -> tuple[str, bool]:
    """(the name shown for an assignee, whether the role is shown after it)."""
    name = a.user.display_name or a.user.username
    return name, not names_role(a.user.display_name, a.role)


def recorder(events):
    """who(event) -> the person who recorded it as people know them: the display name, then the role
    unless the name says it already ("肖老师 (8年级1班 班主任)", "王五 (班主任)"). Events keep the username
    (the audit trail's stable key); the names are read once, in one query, for the events shown."""
    wanted = {e.actor for e in events if e.actor}
    names = dict(db.session.execute(select(User.username, User.display_name)
                                    .where(User.username.in_(wanted))).all()) if wanted else {}

    def who(e) -> str:
        name = names.get(e.actor) or e.actor
        if names_role(names.get(e.actor), e.role):
            return name
        return f"{name} ({gettext(str(role_label(e.role)))})"
    return who
