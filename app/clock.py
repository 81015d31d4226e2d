"""The one source of "now". Tests and the demo loader move it; production reads the wall clock.

All stored times are naive UTC; Asia/Shanghai is only used to place deadlines on calendar days.
"""
from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None) + _offset


def freeze(at: datetime | None) -> None:
    """Pin the clock (naive UTC), or release it with None."""
    global _frozen
    _frozen = at


def shift(delta: timedelta) -> None:
    global _offset
    _offset += delta


def reset() -> None:
    global _offset, _frozen
    _offset, _frozen = timedelta(0), None
