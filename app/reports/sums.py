"""Counts that add up: the dashboard's figures kept as nested sums (ints, lists of ints, dicts of
them with text keys, as JSON stores them), so the counts of two groups of cases are the counts of both.
A school's counts summed give its district's; medians are kept as histograms {value: how many}."""


def merge(into: dict, other: dict) -> dict:
    """Add `other` into `into` (in place) and return it: ints add, lists add element by element, dicts
    add key by key."""
    for key, value in other.items():
        if isinstance(value, dict):
            merge(into.setdefault(key, {}), value)
        elif isinstance(value, list):
            mine = into.get(key)
            into[key] = list(value) if mine is None else [a + b for a, b in zip(mine, value)]
        else:
            into[key] = into.get(key, 0) + value
    return into


def bump(counts: dict, key, n: int = 1) -> None:
    key = str(key)
    counts[key] = counts.get(key, 0) + n


def median(histogram: dict):
    """The median of a histogram {value (text or int): how many} as statistics.median gives it for the
    values listed out (the middle one, or the mean of the two middle ones); None when empty."""
    values = sorted((int(k), n) for k, n in histogram.items() if n)
    total = sum(n for _, n in values)
    if not total:
        return None

    def nth(k):
        seen = 0
        for value, n in values:
            seen += n
            if seen > k:
                return value
    lo, hi = nth((total - 1) // 2), nth(total // 2)
    return lo if total % 2 else (lo + hi) / 2
