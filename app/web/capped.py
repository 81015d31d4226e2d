"""A choice list that is shown only while it is short: read one row past the cap, and past it say None
(the page then asks for a typed code or name instead of a select of thousands)."""
from app.extensions import db


def up_to(query, cap: int, scalars: bool = False):
    """The rows of `query` (its first column with `scalars`), or None when there are more than `cap`."""
    result = db.session.execute(query.limit(cap + 1))
    rows = (result.scalars() if scalars else result).all()
    return None if len(rows) > cap else rows
