"""Request plumbing shared by the API resources: the caller, the JSON body, paging."""
from flask import request

from app.web import edge

from app.web import paging
from app.web.paging import PAGE_MAX
from app.auth import tokens
from app.auth.actor import act_as, current_actor
from app.errors import BadRequest, NotPermitted

PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi"}


class Unauthenticated(BadRequest):
    status, code = 401, "unauthenticated"


class TooManyAttempts(BadRequest):
    """429; `retry_after` (seconds) becomes the Retry-After header."""
    status, code = 429, "rate_limited"


def authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = tokens.user_for(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise Unauthenticated("需要有效的令牌 / a valid bearer token is required")
    act_as(user)


def require_role(*roles: str) -> None:
    if not any(current_actor().has_role(r) for r in roles):
        raise NotPermitted("您的角色不能执行此操作 / your role may not do this", roles_allowed=list(roles))


def json_body() -> dict:
    """The body as a JSON object, refused at the edge (app/web/edge.py) if it holds what cannot be stored."""
    return edge.json_body()


def int_arg(name: str, default: int, lo: int = 1, hi: int = PAGE_MAX) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} 须为整数 / {name} must be an integer", field=name) from None
    if not lo <= value <= hi:
        raise BadRequest(f"{name} 须在 {lo}..{hi} 之间 / {name} must be within {lo}..{hi}", field=name)
    return value


def paginate(query, count_query, render, *, scalars: bool = True, max_size: int = 200) -> dict:
    """One page of `query` rendered item by item, with the total from `count_query`."""
    rows, meta = paging.fetch(query, count_query, int_arg("page", 1), int_arg("per_page", 50, 1, max_size),
                              scalars=scalars)
    return {"items": [render(r) for r in rows], **meta}
