"""The slot grid of a week, and DST-safe conversions between UTC and local time.

Slots are generated as evenly spaced *UTC instants* starting at local midnight of
``week_start`` in the reference zone. Every UTC instant maps to exactly one local wall
time, so a grid can never contain a non-existent local time (spring-forward gap) nor
the same local time twice (fall-back overlap is labelled with its offset).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clairon.errors import ValidationFailed

__all__ = [
    "Slot",
    "country_of_zone",
    "local_midnight_utc",
    "parse_audience",
    "week_slots",
    "zone",
]

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Used when the system's zone.tab is unavailable; covers the most common audiences.
_FALLBACK_COUNTRIES = {
    "Europe/Paris": "FR", "Europe/London": "GB", "Europe/Berlin": "DE", "Europe/Madrid": "ES",
    "Europe/Rome": "IT", "Europe/Brussels": "BE", "Europe/Amsterdam": "NL",
    "Europe/Zurich": "CH", "America/New_York": "US", "America/Chicago": "US",
    "America/Denver": "US", "America/Los_Angeles": "US", "America/Montreal": "CA",
    "America/Toronto": "CA", "America/Vancouver": "CA", "America/Sao_Paulo": "BR",
    "America/Mexico_City": "MX", "America/Argentina/Buenos_Aires": "AR",
    "Africa/Casablanca": "MA", "Africa/Lagos": "NG", "Africa/Johannesburg": "ZA",
    "Asia/Tokyo": "JP", "Asia/Kolkata": "IN", "Asia/Singapore": "SG", "Asia/Dubai": "AE",
    "Asia/Shanghai": "CN", "Australia/Sydney": "AU", "Australia/Perth": "AU",
    "Pacific/Auckland": "NZ",
}  # fmt: skip
_ALIASES = {"America/Montreal": "America/Toronto"}


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """A ZoneInfo, or ``ValidationFailed`` naming the unknown zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"unknown time zone {name!r}", "audience") from exc


@lru_cache(maxsize=1)
def _zone_table() -> dict[str, str]:
    table = dict(_FALLBACK_COUNTRIES)
    for path in ("/usr/share/zoneinfo/zone.tab", "/usr/lib/zoneinfo/zone.tab"):
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) >= 3:
                table.setdefault(fields[2], fields[0])
        break
    return table


def country_of_zone(name: str) -> str | None:
    """ISO country code of an IANA zone (for public holidays), if known."""
    table = _zone_table()
    return table.get(name) or table.get(_ALIASES.get(name, ""))


def parse_audience(text: str) -> dict[str, float]:
    """Parse ``"Europe/Paris:0.7,America/Montreal:0.3"`` into normalised weights."""
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, raw = part.rpartition(":")
        if not name:
            name, raw = raw, "1"
        try:
            weight = float(raw)
        except ValueError as exc:
            raise ValidationFailed(f"bad weight in {part!r}", "audience") from exc
        if weight < 0:
            raise ValidationFailed(f"negative weight in {part!r}", "audience")
        zone(name.strip())
        weights[name.strip()] = weights.get(name.strip(), 0.0) + weight
    total = sum(weights.values())
    if not weights or total <= 0:
        raise ValidationFailed("audience needs at least one zone with a positive weight")
    return {k: v / total for k, v in weights.items()}


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz``, as UTC (skips a midnight DST gap)."""
    naive = datetime.combine(day, time(0))
    for minutes in range(0, 181, 30):
        candidate = (naive + timedelta(minutes=minutes)).replace(tzinfo=tz)
        back = candidate.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back == candidate.replace(tzinfo=None):
            return candidate.astimezone(UTC)
    return naive.replace(tzinfo=tz).astimezone(UTC)  # pragma: no cover - no such zone


@dataclass(frozen=True)
class Slot:
    """One candidate publication instant."""

    start_utc: datetime
    local: datetime  # aware, in the reference zone

    @property
    def label(self) -> str:
        """``"Thursday 10:00 (UTC-03:00)"``-style label in the reference zone."""
        offset = self.local.strftime("%z")
        sign, hours, minutes = offset[0], offset[1:3], offset[3:5]
        return f"{_WEEKDAYS[self.local.weekday()]} {self.local:%H:%M} (UTC{sign}{hours}:{minutes})"


def week_slots(week_start: date, tz_name: str, slot_minutes: int = 60) -> list[Slot]:
    """All slots of the 7 local days starting at ``week_start`` in ``tz_name``."""
    if slot_minutes < 5 or slot_minutes > 24 * 60 or (24 * 60) % slot_minutes:
        raise ValidationFailed("slot_minutes must divide a day and be >= 5", "slot_minutes")
    tz = zone(tz_name)
    start = local_midnight_utc(week_start, tz)
    end = local_midnight_utc(week_start + timedelta(days=7), tz)
    step = timedelta(minutes=slot_minutes)
    slots: list[Slot] = []
    current = start
    while current < end:
        slots.append(Slot(current, current.astimezone(tz)))
        current += step
    return slots
