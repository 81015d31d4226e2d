"""The request's edge: text no handler should ever see is refused here, once, for the whole app.

A NUL, another C0 control character, DEL, a lone surrogate or bytes that are not UTF-8 have no
business in a pupil's name or a query: PostgreSQL cannot store a NUL in text or JSON (a 500, or a row
that later breaks JSON queries), and the others end up in exports and logs. So before any handler
runs, the path, every query argument (name and value), a form post's fields and a JSON body's keys
and values (nested) are checked; tab, LF and CR are allowed in body values (a note has lines). A
refusal is a 400 naming the field: JSON under /api/, the HTML error page in the user's language
elsewhere. The JSON API reads its body through json_body() here, so it is parsed and checked once.
"""
import json
import re
from urllib.parse import unquote_to_bytes

from flask import current_app, g, request

from app.errors import BadRequest

# C0 controls, DEL and UTF-16 surrogates (a str holds a lone one only when something let it through).
_STRICT = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_BODY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")   # tab, LF, CR allowed


class RefusedText(BadRequest):
    code = "bad_characters"


def _refuse(field: str, char: str | None = None):
    what = f"U+{ord(char):04X}" if char else "invalid UTF-8"
    raise RefusedText(f"{field}: 含有不允许的字符 ({what}) / contains a character that is not allowed ({what})",
                      field=field)


def check_text(value: str, field: str, *, body: bool = False) -> str:
    if m := (_BODY if body else _STRICT).search(value):
        _refuse(field, m.group())
    return value


def _decoded(raw: bytes, field: str) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        _refuse(field)


def _check_pairs(raw: bytes, where: str, *, body: bool) -> None:
    """Each name=value of a query string or urlencoded body, decoded strictly here: Werkzeug puts
    U+FFFD in place of bytes that are not UTF-8, which would hide them."""
    for part in raw.split(b"&"):
        name_raw, _, value_raw = part.partition(b"=")
        name = _decoded(name_raw, where)
        if m := _STRICT.search(name):
            _refuse(where, m.group())
        check_text(_decoded(value_raw, name), name, body=body)


def check_json(value, root: str = "body"):
    """Every key and string value of a parsed JSON document, iteratively (a deep document must not
    overflow the stack here after the parser accepted it)."""
    stack = [(value, root)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            check_text(item, path, body=True)
        elif isinstance(item, dict):
            for k, v in item.items():
                check_text(k, path, body=False)
                stack.append((v, k if path == "body" else f"{path}.{k}"))
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(item))
    return value


def json_body() -> dict:
    """The request's JSON object, parsed and checked once per request ({} for an empty body). A
    multipart request (a step with its evidence files) carries it as its `payload` part."""
    if "edge_json" in g:
        return g.edge_json
    raw = request.form.get("payload", "") if request.mimetype == "multipart/form-data" else request.get_data(cache=True)
    if not raw.strip():
        body = {}
    else:
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise BadRequest("请求体不是有效的 JSON / the body is not valid JSON", error_code="bad_json") from None
        if not isinstance(body, dict):
            raise BadRequest("请求体须为 JSON 对象 / the body must be a JSON object")
        check_json(body)
    g.edge_json = body
    return body


def check_request() -> None:
    """before_request for the whole app."""
    path = request.environ.get("PATH_INFO", "")
    try:  # WSGI hands the path over as latin-1 characters of the raw bytes
        decoded = path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        _refuse("path")
    check_text(decoded, "path")
    _check_pairs(request.query_string, "query", body=False)
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        _check_pairs(request.get_data(cache=True), "form", body=True)
    elif mimetype == "multipart/form-data":
        # A form with files (a roster, a step's evidence) may be larger than a JSON body: as large as
        # the evidence files one step may carry, plus its fields.
        cfg = current_app.config
        request.max_content_length = max(cfg["MAX_CONTENT_LENGTH"] or 0,
                                         cfg["EVIDENCE_MAX_BYTES"] * cfg["EVIDENCE_MAX_FILES"] + 1024 * 1024)
        # Werkzeug has decoded the parts already (bad bytes became U+FFFD, harmless); the
        # characters themselves are what a database and a page must not receive.
        for name, value in request.form.items(multi=True):
            check_text(name or "", "form")
            check_text(value, name, body=True)
        for name, upload in request.files.items(multi=True):
            check_text(name or "", "form")
            check_text(upload.filename or "", name)
    elif request.is_json:
        json_body()


def init_app(app) -> None:
    app.before_request(check_request)
