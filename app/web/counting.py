"""How many rows a list has, without counting a province's rows one by one on every request.

A list counts exactly up to LIST_COUNT_CAP rows (default 1,000: the count stops at the cap + 1st row it
finds, so it costs at most that many rows whatever the scope). Past the cap the total is PostgreSQL's own
row estimate for the same WHERE (EXPLAIN: planning only, no rows read), flagged `exact: False` so the
pages say "about" and the API says `total_exact: false`. The estimate is asked first: when it is far past
the cap (SURE times) nothing is counted at all. SQLite has no estimate to ask and is never a
province's database, so there the count past the cap is exact. Reports and exports count exactly
(they do not use this module).
"""
import json
from collections import Counter

from flask import current_app
from sqlalchemy import func, literal, literal_column, select, text, union_all

from app.extensions import db

# An estimate this many times the cap is taken as it is: the planner is not that far wrong about a scope
# (its unit_path statistics), and counting even the cap's rows costs milliseconds the page does not have.
SURE = 10
# Split by a column (about_by), an exact GROUP BY is cheaper than a count per value up to this many times
# the cap; past it a province's rows would be counted one by one.
GROUPED = 50
# With a filter that tests every case's row (a search), the matches grouped by value, at most.
COSTLY_SAMPLE = 200


def _rows_of(count_query):
    """The rows a count query counts, as `SELECT 1 FROM ... WHERE ...` (its FROMs and WHERE kept)."""
    return count_query.with_only_columns(literal_column("1"), maintain_column_froms=True)


def _driver_sql(query) -> tuple[str, dict]:
    """`query` compiled once for the database (its SQL and parameters), to run as often as needed."""
    compiled = query.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    return str(compiled), compiled.params


def _planned_rows(sql: str, params: dict) -> int:
    plan = db.session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, params).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def estimate(rows_query) -> int | None:
    """The planner's row estimate for `rows_query` (PostgreSQL), else None."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return _planned_rows(*_driver_sql(rows_query))


def about(count_query) -> tuple[int, bool]:
    """(total, exact) of what `count_query` (a `SELECT count(...) ... WHERE ...`) counts."""
    cap = current_app.config.get("LIST_COUNT_CAP", 1_000)
    rows = _rows_of(count_query)
    guess = estimate(rows)
    if guess is not None and guess > SURE * cap:
        return guess, False  # far past the cap: counting even the cap's rows would be wasted
    capped = db.session.execute(select(func.count()).select_from(rows.limit(cap + 1).subquery())).scalar_one()
    if capped <= cap:
        return capped, True
    if guess is None:
        return db.session.execute(count_query).scalar_one(), True
    return max(guess, cap + 1), False  # the estimate, never below what was seen


def about_by(count_query, column, values, parts=None, costly=False) -> tuple[dict, int, bool]:
    """({value: "N" or "≈N"}, total, exact) of the rows `count_query` counts, split by `column` (the list
    page's counts per state), zeros left out. While the estimate is at most GROUPED times the cap, one
    GROUP BY counts every value exactly (a district's 20,000 cases: one pass over an index, a few ms; one
    statement instead of two per value). Past it the total is the estimate, and each value's estimate
    is the scope's times the value's share in the statistics: shown as "≈N" where that is far past the
    cap, else the value is counted, capped (a state with a handful of cases shows its true number).
    `parts`: count queries of disjoint sets whose union `count_query` counts
    (CaseFilter.disjoint), for the GROUP BY to count each over its own index. `costly`: a filter no index
    answers (a search tests each case's pupil): then only the first COSTLY_SAMPLE + 1 rows found (at
    most the cap's) are grouped — exact when that is all of them, else each value's count so far shown
    as "N+" (at least N) — since an exact GROUP BY would test every case of a district's 20,000
    (120 ms), and even a thousand matches of a common surname took 36 ms to find."""
    cap = current_app.config.get("LIST_COUNT_CAP", 1_000)
    rows = _rows_of(count_query)
    guess = estimate(rows)
    if costly and guess is not None and guess <= GROUPED * cap:
        most = min(cap, COSTLY_SAMPLE)
        sample = count_query.add_columns(column).with_only_columns(column).limit(most + 1).subquery()
        found = dict(db.session.execute(select(sample.c[0], func.count()).group_by(sample.c[0])).all())
        if sum(found.values()) <= most:
            return {v: str(n) for v, n in found.items() if n}, sum(found.values()), True
        return {v: f"{n}+" for v, n in found.items() if n}, max(guess, most + 1), False
    if guess is None or guess <= GROUPED * cap:  # SQLite has no estimate: exact, as about() is there
        full = Counter()
        for query in [count_query] if parts is None else parts:
            for n, v in db.session.execute(query.add_columns(column).group_by(column)).all():
                full[v] += n
        return {v: str(n) for v, n in full.items() if n}, sum(full.values()), True
    # Past it, each value's estimate is the planner's own arithmetic — the scope's estimate times the
    # value's share of the column (pg_stats) — instead of an EXPLAIN per value (29 states: 58 statements
    # a province list); the values not far past the cap are counted, capped, in one statement.
    shares = _shares(column)
    guesses = {v: round(guess * shares[v]) if v in shares else None for v in values}
    shown = {v: f"≈{g}" for v, g in guesses.items() if g is not None and g > SURE * cap}
    rest = [v for v in values if v not in shown]
    most = min(cap, COSTLY_SAMPLE) if costly else cap
    if rest:
        capped = union_all(*[select(literal(i).label("i"), func.count().label("n")).select_from(
            _rows_of(count_query.where(column == v)).limit(most + 1).subquery()) for i, v in enumerate(rest)])
        for i, n in db.session.execute(capped).all():
            if n:
                v = rest[i]
                shown[v] = (str(n) if n <= most else f"{most}+" if costly
                            else f"≈{max(guesses[v] or 0, cap + 1)}")
    return {v: shown[v] for v in values if v in shown}, max(guess, cap + 1), False


def _shares(column) -> dict:
    """{value: share of the table's rows} of `column`'s most common values, as PostgreSQL's statistics
    keep them ({} before the table was first analysed: every value is then counted, capped)."""
    row = db.session.execute(text(
        "SELECT most_common_vals::text::text[], most_common_freqs FROM pg_stats "
        "WHERE schemaname = current_schema() AND tablename = :t AND attname = :c"),
        {"t": column.table.name, "c": column.name}).first()
    return dict(zip(row[0], row[1])) if row is not None and row[0] is not None else {}


def shown(count_query) -> str:
    """The count as a page shows it: "N", or "≈N" when it is an estimate."""
    n, exact = about(count_query)
    return str(n) if exact else f"≈{n}"
