"""Published network engagement curves, as data.

Relative engagement by local hour and weekday, condensed from public studies
(Sprout Social "Best times to post" 2024-2025, Hootsuite 2024, CoSchedule/Later
reports). They are deliberately smooth and only used as a *prior*: the model shrinks
toward them when an account has little history and learns away from them otherwise.
Values are multipliers around 1.0 (not probabilities); only their shape matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["NETWORK_PRIORS", "NetworkPrior", "brand_crowding", "network_prior"]


@dataclass(frozen=True)
class NetworkPrior:
    """Hourly (local, 0..23) and weekday (Monday=0) engagement multipliers."""

    name: str
    hourly: tuple[float, ...]
    weekday: tuple[float, ...]
    generic_peaks: tuple[tuple[int, int], ...]  # (weekday, hour) "best times" lists

    def log_multiplier(self, weekday: int, hour: float) -> float:
        """Log of the relative engagement at a local weekday and (fractional) hour."""
        low = math.floor(hour) % 24
        frac = hour - math.floor(hour)
        value = (1 - frac) * self.hourly[low] + frac * self.hourly[(low + 1) % 24]
        return math.log(value) + math.log(self.weekday[weekday % 7])


_OFFICE = (0.25, 0.2, 0.18, 0.18, 0.22, 0.35, 0.6, 0.9, 1.25, 1.5, 1.6, 1.55,
           1.45, 1.4, 1.3, 1.2, 1.05, 0.9, 0.8, 0.75, 0.65, 0.55, 0.45, 0.33)  # fmt: skip
_LEISURE = (0.35, 0.25, 0.2, 0.18, 0.2, 0.3, 0.5, 0.75, 0.95, 1.1, 1.2, 1.3,
            1.35, 1.3, 1.25, 1.2, 1.2, 1.25, 1.3, 1.35, 1.3, 1.15, 0.85, 0.55)  # fmt: skip
_EVENING = (0.5, 0.35, 0.25, 0.2, 0.2, 0.25, 0.4, 0.6, 0.75, 0.9, 1.0, 1.05,
            1.1, 1.15, 1.2, 1.3, 1.4, 1.5, 1.55, 1.6, 1.55, 1.4, 1.1, 0.75)  # fmt: skip
_NEWS = (0.3, 0.22, 0.2, 0.2, 0.3, 0.5, 0.8, 1.1, 1.35, 1.45, 1.45, 1.4,
         1.35, 1.3, 1.25, 1.2, 1.15, 1.1, 1.05, 1.0, 0.95, 0.85, 0.65, 0.45)  # fmt: skip

_WORK_WEEK = (1.05, 1.15, 1.15, 1.12, 0.98, 0.55, 0.5)
_FLAT_WEEK = (1.0, 1.06, 1.06, 1.04, 1.0, 0.88, 0.86)
_WEEKEND_WEEK = (0.95, 1.0, 1.0, 1.02, 1.02, 1.0, 0.98)

NETWORK_PRIORS: dict[str, NetworkPrior] = {
    "linkedin": NetworkPrior(
        "linkedin", _OFFICE, _WORK_WEEK, ((1, 10), (2, 10), (3, 9), (1, 12), (2, 8), (3, 11))
    ),
    "facebook": NetworkPrior(
        "facebook", _LEISURE, _FLAT_WEEK, ((1, 9), (2, 10), (3, 9), (4, 11), (0, 12), (2, 13))
    ),
    "instagram": NetworkPrior(
        "instagram", _LEISURE, _FLAT_WEEK, ((1, 11), (2, 12), (3, 14), (4, 10), (0, 13), (2, 18))
    ),
    "x": NetworkPrior("x", _NEWS, _FLAT_WEEK, ((1, 9), (2, 9), (3, 10), (1, 12), (2, 11), (4, 9))),
    "bluesky": NetworkPrior(
        "bluesky", _NEWS, _FLAT_WEEK, ((1, 10), (2, 9), (3, 10), (1, 14), (2, 15), (4, 10))
    ),
    "mastodon": NetworkPrior(
        "mastodon", _NEWS, _FLAT_WEEK, ((1, 10), (2, 9), (3, 10), (1, 14), (2, 15), (4, 10))
    ),
    "threads": NetworkPrior(
        "threads", _LEISURE, _FLAT_WEEK, ((1, 9), (2, 10), (3, 9), (4, 12), (0, 11), (2, 19))
    ),
    "tiktok": NetworkPrior(
        "tiktok", _EVENING, _WEEKEND_WEEK, ((1, 16), (2, 17), (3, 19), (4, 17), (5, 12), (6, 18))
    ),
    "youtube": NetworkPrior(
        "youtube", _EVENING, _WEEKEND_WEEK, ((4, 15), (5, 11), (6, 11), (3, 16), (2, 17), (1, 16))
    ),
    "pinterest": NetworkPrior(
        "pinterest", _EVENING, _WEEKEND_WEEK, ((4, 15), (5, 20), (6, 20), (3, 20), (2, 21), (1, 20))
    ),
}
_ALIASES = {"twitter": "x", "fb": "facebook", "ig": "instagram", "yt": "youtube"}
_DEFAULT = NetworkPrior("generic", _LEISURE, _FLAT_WEEK, ((1, 10), (2, 11), (3, 10), (4, 11)))


def network_prior(network: str) -> NetworkPrior:
    """The prior of a network (case-insensitive); a generic curve for unknown networks."""
    key = network.strip().lower()
    return NETWORK_PRIORS.get(_ALIASES.get(key, key), _DEFAULT)


def brand_crowding(weekday: int, hour: float) -> float:
    """Relative volume of brand posts in feeds at a local time (feed competition).

    Scheduling tools make brands pile up on weekday mornings and on the hour; the
    model uses the log of this as a feature whose effect it estimates.
    """
    base = 0.35 + 0.65 * math.exp(-(((hour - 10.0) / 2.5) ** 2))
    on_the_hour = 1.0 + 0.3 * math.exp(-(((hour - round(hour)) / 0.08) ** 2))
    return base * (1.0 if weekday < 5 else 0.5) * on_the_hour
