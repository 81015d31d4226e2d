"""Keyset paging: the next page starts after the last row shown, found by the list's sort key.

A page reached by OFFSET makes the database walk (and, for a joined query, join) every row it skips, so
a deep page costs as much as the list is long; "the rows after (key, id)" is one index descent whatever
the depth. The position travels as an opaque `after` cursor: the last row's sort values, signed with
the application's secret and salted with the sort itself, so a cursor cannot be forged, edited, or
carried to a list sorted another way (any of these is a 400 naming `after`, never a 500). The cursor
only says where to start: every page is still filtered by the caller's scope, so even a forged one
could not show a row the caller may not see.

Every key list ends with a unique column (the id), so equal sort values keep one order and a walk
neither repeats nor skips a row; all keys run in one direction, so "after" is one row comparison
`(k1, ..., id) < (v1, ..., id0)` (an index on the same columns serves it).
"""
from datetime import date, datetime
import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import literal, tuple_

from app.errors import BadRequest

FIELD = "after"


class Keys:
    """The sort of a list: its key expressions (the last one unique) and one direction."""

    def __init__(self, *exprs, descending: bool):
        self.exprs, self.descending = list(exprs), descending

    @property
    def order_by(self) -> list:
        return [e.desc() if self.descending else e.asc() for e in self.exprs]

    def sorted(self, query):
        """`query` in this order, carrying the keys so that app/web/paging.py can page it by cursor."""
        return query.order_by(None).order_by(*self.order_by).execution_options(keyset=self)

    def _tag(self) -> str:
        # the sort's own text: a cursor made under one sort (or direction) is refused under another
        text = "|".join(str(e) for e in self.exprs) + ("<" if self.descending else ">")
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _signer(self) -> URLSafeSerializer:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"list-cursor:{self._tag()}")

    def after(self, values: list):
        """WHERE clause: the rows that come after the row whose keys are `values`."""
        row, bound = tuple_(*self.exprs), tuple_(*[literal(v, e.type) for v, e in zip(values, self.exprs)])
        return row < bound if self.descending else row > bound

    def cursor(self, values) -> str:
        return self._signer().dumps([_plain(v) for v in values])

    def read(self, raw: str) -> list:
        """The key values a cursor holds, typed as the columns are; a bad cursor is a 400 naming `after`."""
        try:
            values = self._signer().loads(raw)
        except BadSignature:
            raise BadRequest("after 游标无效 / the after cursor is not valid for this list", field=FIELD) from None
        if not isinstance(values, list) or len(values) != len(self.exprs):
            raise BadRequest("after 游标无效 / the after cursor is not valid for this list", field=FIELD)
        try:
            return [_typed(v, e) for v, e in zip(values, self.exprs)]
        except (TypeError, ValueError):
            raise BadRequest("after 游标无效 / the after cursor is not valid for this list", field=FIELD) from None


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _typed(value, expr):
    """A cursor's JSON value as the column's Python type (dates travel as ISO text)."""
    try:
        kind = expr.type.python_type
    except NotImplementedError:
        kind = None
    if value is None:
        raise ValueError("a key value is never NULL")
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is bool:
        if not isinstance(value, bool):
            raise TypeError
        return value
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError
    if kind is str and not isinstance(value, str):
        raise TypeError
    return value
