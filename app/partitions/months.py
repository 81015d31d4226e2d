"""Calendar months as partition bounds: a month is (year, month); its range is [first day, next first)."""
from datetime import date, datetime


def of(t: date | datetime) -> tuple[int, int]:
    return t.year, t.month


def add(month: tuple[int, int], n: int) -> tuple[int, int]:
    i = month[0] * 12 + month[1] - 1 + n
    return i // 12, i % 12 + 1


def first_day(month: tuple[int, int]) -> date:
    return date(month[0], month[1], 1)


def span(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every month from first to last, both included."""
    out, m = [], first
    while m <= last:
        out.append(m)
        m = add(m, 1)
    return out


def parse(text: str) -> tuple[int, int]:
    """YYYY-MM -> (year, month); ValueError otherwise."""
    d = datetime.strptime(text, "%Y-%m")
    return d.year, d.month


def partition_name(table: str, month: tuple[int, int]) -> str:
    return f"{table}_p{month[0]:04d}{month[1]:02d}"


def default_name(table: str) -> str:
    return f"{table}_default"
