"""The indicators' thresholds, from the configuration (app/config.py, each overridable by the
environment: README, Configuration)."""
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class Thresholds:
    streak_days: int = 3       # consecutive unexcused school days absent -> a detected case opens
    rate_window: int = 20      # school days the absence rate is counted over
    rate: float = 0.10         # absence rate at or above which a pupil is at risk
    flags_min: int = 2         # known risk flags that together put a pupil on the risk list

    @property
    def window(self) -> int:
        """School days the nightly job looks back over (a streak found late is still acted on)."""
        return max(self.rate_window, self.streak_days)


def thresholds() -> Thresholds:
    c = current_app.config
    return Thresholds(int(c["ATTENDANCE_STREAK_DAYS"]), int(c["ATTENDANCE_RATE_WINDOW"]),
                      float(c["ATTENDANCE_RATE"]), int(c["RISK_FLAGS_MIN"]))
