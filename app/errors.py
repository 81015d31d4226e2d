"""The engine's refusals. The API maps each to its HTTP status in one place (app/api/errors.py)."""


class BaoxueError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", **extra):
        super().__init__(message)
        self.message = message
        self.extra = extra

    def to_dict(self) -> dict:
        return {"error": self.code, "message": self.message, **self.extra}


class NotFound(BaoxueError):
    status, code = 404, "not_found"


class NotPermitted(BaoxueError):
    status, code = 403, "forbidden"


class NotAllowedNow(BaoxueError):
    """The trigger exists and the user may fire it, but not in the case's current state."""
    status, code = 409, "not_allowed_now"


class StaleVersion(BaoxueError):
    status, code = 409, "stale_version"


class Conflict(BaoxueError):
    status, code = 409, "conflict"


class Invalid(BaoxueError):
    status, code = 422, "invalid"

    def __init__(self, fields: dict, message: str = "请检查标注的字段 / some fields are invalid"):
        super().__init__(message, fields=fields)
        self.fields = fields


class BadRequest(BaoxueError):
    status, code = 400, "bad_request"


class AlreadyDone(BaoxueError):
    """The action was posted before with the same client key and recorded then (as event `seq`): nothing
    is recorded again. Not a failure: the page answers as done."""
    status, code = 200, "already_done"

    def __init__(self, seq: int):
        super().__init__("此操作已提交过，未重复记录 / already recorded: not recorded twice", seq=seq)
        self.seq = seq
