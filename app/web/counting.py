"""How many rows a list has, without counting a province's rows one by one on every request.

A list counts exactly up to LIST_COUNT_CAP rows (default 10,000: the count stops at the cap + 1st row it
finds, so it costs at most that many rows whatever the scope). Past the cap the total is PostgreSQL's own
row estimate for the same WHERE (EXPLAIN: planning only, no rows read), flagged `exact: False` so the
pages say "about" and the API says `total_exact: false`. SQLite has no estimate to ask and is never a
province's database, so there the count past the cap is exact. Reports and exports count exactly
(they do not use this module).
"""
import json

from flask import current_app
from sqlalchemy import func, literal_column, select

from app.extensions import db


def _rows_of(count_query):
    """The rows a count query counts, as `SELECT 1 FROM ... WHERE ...` (its FROMs and WHERE kept)."""
    return count_query.with_only_columns(literal_column("1"), maintain_column_froms=True)


def estimate(rows_query) -> int | None:
    """The planner's row estimate for `rows_query` (PostgreSQL), else None."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    compiled = rows_query.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    plan = db.session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled),
                                                   compiled.params).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def about(count_query) -> tuple[int, bool]:
    """(total, exact) of what `count_query` (a `SELECT count(...) ... WHERE ...`) counts."""
    cap = current_app.config.get("LIST_COUNT_CAP", 10_000)
    rows = _rows_of(count_query)
    capped = db.session.execute(select(func.count()).select_from(rows.limit(cap + 1).subquery())).scalar_one()
    if capped <= cap:
        return capped, True
    guess = estimate(rows)
    if guess is None:
        return db.session.execute(count_query).scalar_one(), True
    return max(guess, cap + 1), False  # the estimate, never below what was seen


def about_each(count_query, column, values, *, exact: bool) -> dict:
    """{value: "N" or "≈N"} of the rows `count_query` counts, split by `column` (the list page's counts
    per state), zeros left out. When the whole count was exact (at most the cap), one GROUP BY over those
    few rows; else each value is the planner's estimate where that is past the cap and a capped count
    where it is not (a state with a handful of cases shows its true number)."""
    if exact:
        rows = count_query.add_columns(column).group_by(column)
        return {v: str(n) for n, v in db.session.execute(rows).all() if n}
    shown = {}
    for value in values:
        n, is_exact = _about_one(count_query.where(column == value))
        if n:
            shown[value] = str(n) if is_exact else f"≈{n}"
    return shown


def _about_one(count_query) -> tuple[int, bool]:
    cap = current_app.config.get("LIST_COUNT_CAP", 10_000)
    guess = estimate(_rows_of(count_query))
    if guess is not None and guess > cap:
        return guess, False
    return about(count_query)
