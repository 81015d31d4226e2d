"""Posting an action twice records it once: a form carries a client key (made up by its page, or by the
phone that kept the form as a draft while offline), the step that records it stores the key with it
(in the same transaction, unique per case: app/models/action_keys.py), and a post whose key is already
stored for the case is answered as done (AlreadyDone, naming the event) instead of being checked and
recorded again. A key used by another user on that case is refused (it is not theirs to confirm)."""
import re

from sqlalchemy import select

from app.errors import AlreadyDone, Invalid
from app.extensions import db
from app.models import ActionKey

FIELD = "client_key"
SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def checked(key) -> str | None:
    """The key as given (None: the form carries none); 422 naming the field if it is not one."""
    if key is None or key == "":
        return None
    if not isinstance(key, str) or not SHAPE.fullmatch(key):
        raise Invalid({FIELD: "须为 8–64 位字母、数字、- 或 _ / 8 to 64 letters, digits, - or _"})
    return key


def refuse_repeat(case_id: int, key: str | None, user_id: int) -> None:
    """AlreadyDone if this case has recorded an action with this key."""
    if key is None:
        return
    row = db.session.execute(select(ActionKey.seq, ActionKey.user_id)
                             .where(ActionKey.case_id == case_id, ActionKey.client_key == key)).first()
    if row is None:
        return
    if row.user_id != user_id:
        raise Invalid({FIELD: "此键已被他人使用 / this key was used by someone else"})
    raise AlreadyDone(row.seq)


def row(case_id: int, key: str, user_id: int, action: str, seq: int, now) -> tuple:
    """The row the step writes with its event (an `extra` of app/engine/store.py)."""
    return ("action_keys", {"case_id": case_id, "client_key": key, "user_id": user_id, "action": action,
                            "seq": seq, "created_at": now})


def done_by(case_id: int, user_id: int, limit: int = 50) -> list[str]:
    """The keys of this user's latest actions on the case (the page tells a phone its drafts were sent)."""
    return list(db.session.execute(
        select(ActionKey.client_key).where(ActionKey.case_id == case_id, ActionKey.user_id == user_id)
        .order_by(ActionKey.id.desc()).limit(limit)).scalars())
