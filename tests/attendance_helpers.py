"""Shared by the attendance tests: a fixed school week and absences posted through the API."""
from datetime import date, datetime

from app import clock

# Mon 16 – Fri 20 November 2026 are school days; the clock stands at 22:00 in Beijing on the Friday.
MON, TUE, WED, THU, FRI = (date(2026, 11, d) for d in range(16, 21))
EVENING = datetime(2026, 11, 20, 14, 0)   # naive UTC


def at_evening() -> None:
    clock.freeze(EVENING)


def absent(bx, pupil_id, *days, excused=False, as_="teacher", reason="未说明"):
    r = bx.post("/attendance", {"absences": [{"student_id": pupil_id, "day": d.isoformat(), "excused": excused,
                                              "reason": reason} for d in days]}, as_=as_)
    assert r.status_code == 200, r.get_json()
    return r.get_json()
