"""One page of a listing, for the API and the pages alike: the page number (bounded, so its OFFSET
always fits a database integer), that page's rows, and the page counts."""
from app.extensions import db

PAGE_MAX = 10**6  # a page past any real list is an empty page; past the database's integer it is a 500


def lenient_page(args) -> int:
    """The pages' rule: a missing, unreadable or out-of-range page number is the nearest page."""
    return min(max(1, args.get("page", 1, type=int)), PAGE_MAX)


def fetch(query, count_query, page: int, per_page: int, *, scalars: bool = True) -> tuple[list, dict]:
    """(rows of this page, {page, per_page, total, pages}) in two statements."""
    total = db.session.execute(count_query).scalar_one()
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).unique()
    rows = result.scalars().all() if scalars else result.all()
    return rows, {"page": page, "per_page": per_page, "total": total, "pages": (total + per_page - 1) // per_page}
