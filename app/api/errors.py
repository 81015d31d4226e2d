"""Every API error is JSON {"error", "message", "fields"?}; never an HTML page, never a bare 500."""
import logging

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from app.api import bp
from app.api.util import authenticate
from app.errors import BaoxueError
from app.extensions import db
from app.web import outage
from app.web.limits import retry_after

log = logging.getLogger(__name__)


@bp.before_request
def _authenticate():
    authenticate()


outage.register(bp)


@bp.errorhandler(BaoxueError)
def _baoxue_error(err: BaoxueError):
    body = err.to_dict()
    if "error_code" in body:
        body["error"] = body.pop("error_code")
    response = jsonify(body)
    if "retry_after" in err.extra:
        response.headers["Retry-After"] = str(err.extra["retry_after"])
    return response, err.status


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    code = {413: "too_large", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}.get(
        err.code, "http_error")
    if err.code == 429:  # Flask-Limiter's refusal
        wait = retry_after()
        response = jsonify({"error": code, "retry_after": wait,
                            "message": f"请求过于频繁, 请 {wait} 秒后再试 / too many requests: try again in {wait} s"})
        response.headers["Retry-After"] = str(wait)
        return response, 429
    return jsonify({"error": code, "message": err.description}), err.code


@bp.errorhandler(Exception)
def _unexpected(err: Exception):
    db.session.rollback()
    log.exception("unexpected error on %s %s", request.method, request.path)
    return jsonify({"error": "internal", "message": "服务器内部错误 / internal error"}), 500
