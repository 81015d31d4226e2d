"""One page of a listing, for the API and the pages alike: the page number (bounded, so its OFFSET
always fits a database integer), that page's rows, the page counts, and the cursor of the next page.

Two ways to a page. `after` (a cursor from the previous page, app/web/keyset.py) is the way forward:
the rows after the last one shown, one index descent however deep. `page` (a number) stays for the
links a page shows and for clients written before cursors; it is served by OFFSET, so it costs what
the rows before it cost — walk with `after` to go deep. When both are given the cursor decides where
the page starts and the number is only the page's label. The total counts exactly up to a cap and is an
estimate past it (app/web/counting.py); `total_exact` says which.
"""
from sqlalchemy.engine import Row

from app.extensions import db
from app.web import counting
from app.web.keyset import Keys

PAGE_MAX = 10**6  # a page past any real list is an empty page; past the database's integer it is a 500


def lenient_page(args) -> int:
    """The pages' rule: a missing, unreadable or out-of-range page number is the nearest page."""
    return min(max(1, args.get("page", 1, type=int)), PAGE_MAX)


def meta(page: int, per_page: int, total: int, exact: bool, next_after: str | None, *, more: bool) -> dict:
    """The page counts; `more` (a row past this page was fetched) corrects an estimated page count at
    the end it has reached, so no page offers a link to a page that is not there."""
    pages = (total + per_page - 1) // per_page
    if not exact:
        pages = max(pages, page + 1) if more else page
    return {"page": page, "per_page": per_page, "total": total, "total_exact": exact, "pages": pages,
            "next_after": next_after}


def fetch(query, count_query, page: int, per_page: int, *, scalars: bool = True, keys: Keys | None = None,
          after: str | None = None) -> tuple[list, dict]:
    """(rows of this page, {page, per_page, total, total_exact, pages, next_after}).

    `keys`: the list's sort (it replaces the query's ORDER BY; by default the keys a query sorted by
    Keys.sorted carries), which makes `after` and `next_after` possible; a list without keys pages by
    number only and ignores `after`."""
    total, exact = counting.about(count_query)
    keys = keys or query.get_execution_options().get("keyset")
    if keys is not None:
        query = keys.sorted(query)
        if after:
            query = query.where(keys.after(keys.read(after)))
    if not (keys is not None and after):
        query = query.offset((page - 1) * per_page)
    # one row more than the page: whether a next page exists, without counting
    result = db.session.execute(query.limit(per_page + 1)).unique()
    rows = result.scalars().all() if scalars else result.all()
    more, rows = len(rows) > per_page, rows[:per_page]
    next_after = keys.cursor(values_of(keys, rows[-1])) if keys is not None and more else None
    return rows, meta(page, per_page, total, exact, next_after, more=more)


def values_of(keys: Keys, row) -> list:
    """The sort values of a fetched row: a column of a column row, or an attribute of the row's entity."""
    found = []
    for expr in keys.exprs:
        if isinstance(row, Row):
            try:
                found.append(row._mapping[expr])
                continue
            except KeyError:
                items = tuple(row)
        else:
            items = (row,)
        owner = next(o for o in items if isinstance(o, expr.class_))
        found.append(getattr(owner, expr.key))
    return found
