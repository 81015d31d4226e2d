"""Request plumbing shared by the API resources: the caller, the JSON body, paging."""
from flask import request, url_for

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


def after_arg() -> str | None:
    """The `after` cursor of the query string (app/web/keyset.py checks it), or None."""
    raw = request.args.get("after")
    if raw is not None and len(raw) > 2000:
        raise BadRequest("after 游标无效 / the after cursor is not valid for this list", field="after")
    return raw or None


def next_link(next_after: str | None) -> str | None:
    """This request's URL with the next page's cursor (the same filters; the page number one on)."""
    if next_after is None:
        return None
    args = request.args.to_dict()
    args.update(after=next_after, page=int_arg("page", 1) + 1)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def paginate(query, count_query, render, *, scalars: bool = True, max_size: int = 200, keys=None) -> dict:
    """One page of `query` rendered item by item, with the total from `count_query` (exact up to a cap,
    else an estimate: `total_exact`) and, when the list has keys (app/web/keyset.py: given, or carried by
    the query), the `next` page's link by cursor."""
    rows, meta = paging.fetch(query, count_query, int_arg("page", 1), int_arg("per_page", 50, 1, max_size),
                              scalars=scalars, keys=keys, after=after_arg())
    return page_body([render(r) for r in rows], meta)


def page_body(items: list, meta: dict) -> dict:
    """A list's JSON body: its items, page counts, `next` link and `next_after` cursor."""
    return {**meta, "items": items, "next": next_link(meta["next_after"])}
