"""Local-time features of UTC instants for an audience spread over time zones.

For every zone the model considers, each instant is turned into its local weekday,
hour, public-holiday flag, published-curve multiplier and feed crowding. The model
mixes these per audience hypothesis (a weighted set of zones).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import holidays
import numpy as np
from numpy.typing import NDArray

from clairon.scheduling.priors import NetworkPrior, brand_crowding
from clairon.scheduling.slots import country_of_zone, zone

__all__ = ["ZoneFeatures", "is_public_holiday", "mixture_features", "zone_features"]

FloatArray = NDArray[np.float64]


@lru_cache(maxsize=512)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    try:
        table = holidays.country_holidays(country, years=[year])
    except (NotImplementedError, KeyError):
        return frozenset()
    return frozenset(table.keys())


def is_public_holiday(zone_name: str, day: date) -> str | None:
    """The holiday's name if ``day`` is a public holiday in the zone's country."""
    country = country_of_zone(zone_name)
    if country is None or day not in _holiday_dates(country, day.year):
        return None
    try:
        names = holidays.country_holidays(country, years=[day.year])
    except (NotImplementedError, KeyError):  # pragma: no cover - filtered above
        return None
    return str(names.get(day) or "holiday")


@dataclass(frozen=True)
class ZoneFeatures:
    """Per-instant local features in one zone."""

    weekday: NDArray[np.int64]
    hour: FloatArray
    holiday: FloatArray
    prior_log: FloatArray
    crowding: FloatArray


def zone_features(times: Sequence[datetime], zone_name: str, prior: NetworkPrior) -> ZoneFeatures:
    """Local features of ``times`` (aware datetimes) in ``zone_name``."""
    tz = zone(zone_name)
    country = country_of_zone(zone_name)
    n = len(times)
    weekday = np.zeros(n, dtype=np.int64)
    hour = np.zeros(n)
    holiday = np.zeros(n)
    prior_log = np.zeros(n)
    crowding = np.zeros(n)
    for i, instant in enumerate(times):
        local = instant.astimezone(tz)
        weekday[i] = local.weekday()
        hour[i] = local.hour + local.minute / 60.0
        if country is not None and local.date() in _holiday_dates(country, local.year):
            holiday[i] = 1.0
        prior_log[i] = prior.log_multiplier(int(weekday[i]), float(hour[i]))
        crowding[i] = brand_crowding(int(weekday[i]), float(hour[i]))
    return ZoneFeatures(weekday, hour, holiday, prior_log, crowding)


def mixture_features(
    per_zone: Mapping[str, ZoneFeatures], mixture: Mapping[str, float]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(log published curve, log crowding, holiday share) of an audience mixture."""
    curve: FloatArray | None = None
    crowd: FloatArray | None = None
    holiday: FloatArray | None = None
    for name, weight in mixture.items():
        feats = per_zone[name]
        part_curve = weight * np.exp(feats.prior_log)
        part_crowd = weight * feats.crowding
        part_hol = weight * feats.holiday
        curve = part_curve if curve is None else curve + part_curve
        crowd = part_crowd if crowd is None else crowd + part_crowd
        holiday = part_hol if holiday is None else holiday + part_hol
    assert curve is not None and crowd is not None and holiday is not None
    return np.log(curve), np.log(crowd), holiday
