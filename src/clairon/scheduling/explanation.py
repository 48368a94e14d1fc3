"""Plain-words explanations of recommended slots, and heat-map data for the UI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from clairon.scheduling.features import is_public_holiday
from clairon.scheduling.slots import country_of_zone, zone

__all__ = ["HeatMap", "audience_line", "format_value", "holiday_line", "offset_label", "zone_city"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class HeatMap:
    """Expected engagement by local weekday (rows, Monday first) and hour (columns).

    ``relative`` is the expected engagement divided by the account's median slot;
    ``lower``/``upper`` are the same for the 90% interval. ``timezone`` is the zone
    of the rows and columns.
    """

    timezone: str
    weekdays: tuple[str, ...]
    hours: tuple[int, ...]
    relative: tuple[tuple[float, ...], ...]
    lower: tuple[tuple[float, ...], ...]
    upper: tuple[tuple[float, ...], ...]


def zone_city(name: str) -> str:
    """``"America/Sao_Paulo"`` -> ``"Sao Paulo"``."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def offset_label(instant: datetime, zone_name: str) -> str:
    """UTC offset of a zone at an instant, e.g. ``"UTC−3"`` or ``"UTC+5:30"``."""
    offset = instant.astimezone(zone(zone_name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def audience_line(instant: datetime, mixture: Mapping[str, float], learned: bool) -> str:
    """``"61% of your audience is in UTC−3"`` (grouping zones by their offset)."""
    shares: dict[str, float] = {}
    for name, weight in mixture.items():
        label = offset_label(instant, name)
        shares[label] = shares.get(label, 0.0) + weight
    top = max(shares, key=lambda k: shares[k])
    source = "your results suggest" if learned else "declared:"
    return f"{source} {shares[top]:.0%} of your audience is in {top}"


def holiday_line(instant: datetime, mixture: Mapping[str, float]) -> str:
    """Which audience share has a public holiday on the local date of ``instant``."""
    hits: dict[str, float] = {}
    for name, weight in mixture.items():
        local_day = instant.astimezone(zone(name)).date()
        holiday = is_public_holiday(name, local_day)
        if holiday:
            key = f"{holiday} ({country_of_zone(name)})"
            hits[key] = hits.get(key, 0.0) + weight
    hits = {k: v for k, v in hits.items() if v >= 0.05}
    if not hits:
        return "not a holiday"
    return "; ".join(f"holiday {k} for {v:.0%} of the audience" for k, v in hits.items())


def format_value(value: float, as_rate: bool) -> str:
    """4.1% for rates, 123 for counts (1 decimal below 10)."""
    if as_rate:
        return f"{100 * value:.1f}%" if value < 0.1 else f"{100 * value:.0f}%"
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"
