"""Pure slot selection and calendar planning under spacing rules.

Given scored candidate instants, choose the best set that respects a minimum gap
between two posts of the same account, a daily cap per local day, blackout dates,
collisions with other accounts, locked slots (kept as they are) and rejected slots
(never proposed again). Greedy by value, with a fatigue penalty on close neighbours;
re-optimising is simply calling it again with the new locks and rejections.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "CalendarEntry",
    "Channel",
    "SpacingRules",
    "plan_calendar",
    "select_slots",
]


@dataclass(frozen=True)
class SpacingRules:
    """Constraints on one account's posts. ``timezone`` defines the local day."""

    min_gap_hours: float = 3.0
    daily_cap: int | None = None
    blackout_dates: frozenset[date] = frozenset()
    timezone: str = "UTC"
    avoid_utc: tuple[datetime, ...] = ()  # other accounts' posts (collisions)
    collision_gap_hours: float = 0.0
    fatigue_effect: float = 0.0  # log-effect of a post just after another (<= 0)
    fatigue_hours: float = 6.0


def _allowed(
    start: datetime, chosen: Sequence[datetime], rules: SpacingRules, tz: ZoneInfo
) -> bool:
    local_day = start.astimezone(tz).date()
    if local_day in rules.blackout_dates:
        return False
    gap = timedelta(hours=rules.min_gap_hours)
    if any(abs(start - other) < gap for other in chosen):
        return False
    if rules.daily_cap is not None:
        same_day = sum(1 for other in chosen if other.astimezone(tz).date() == local_day)
        if same_day >= rules.daily_cap:
            return False
    if rules.collision_gap_hours <= 0:
        return start not in rules.avoid_utc
    collision = timedelta(hours=rules.collision_gap_hours)
    return all(abs(start - other) >= collision for other in rules.avoid_utc)


def _penalised(
    value: float, start: datetime, chosen: Sequence[datetime], rules: SpacingRules
) -> float:
    if rules.fatigue_effect >= 0 or not chosen:
        return value
    penalty = sum(
        math.exp(-abs((start - other).total_seconds()) / 3600.0 / rules.fatigue_hours)
        for other in chosen
    )
    return value + rules.fatigue_effect * penalty


def select_slots(
    starts: Sequence[datetime],
    values: Sequence[float],
    count: int,
    rules: SpacingRules,
    *,
    locked: Sequence[datetime] = (),
    rejected: Sequence[datetime] = (),
) -> list[int]:
    """Indices of the chosen ``starts`` (best first), at most ``count`` including locks.

    ``values`` are on a log scale (higher is better). Locked instants count toward
    ``count`` and constrain the others but are not returned.
    """
    tz = ZoneInfo(rules.timezone)
    chosen: list[datetime] = list(locked)
    banned = set(rejected) | set(locked)
    picked: list[int] = []
    remaining = [i for i in range(len(starts)) if starts[i] not in banned]
    while len(chosen) < count and remaining:
        best, best_value = -1, -math.inf
        for i in remaining:
            if not _allowed(starts[i], chosen, rules, tz):
                continue
            value = _penalised(values[i], starts[i], chosen, rules)
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        picked.append(best)
        chosen.append(starts[best])
        remaining.remove(best)
    return picked


@dataclass(frozen=True)
class Channel:
    """One account to plan: its candidate instants with values, cadence and rules."""

    name: str
    starts: Sequence[datetime]
    values: Sequence[float]
    posts: int
    rules: SpacingRules = field(default_factory=SpacingRules)


@dataclass(frozen=True)
class CalendarEntry:
    """A planned (or locked) publication of a channel."""

    channel: str
    start_utc: datetime
    value: float
    locked: bool = False


def plan_calendar(
    channels: Sequence[Channel],
    *,
    locked: Mapping[str, Sequence[datetime]] | None = None,
    rejected: Mapping[str, Sequence[datetime]] | None = None,
    avoid_collisions: bool = False,
    collision_gap_hours: float = 1.0,
) -> list[CalendarEntry]:
    """Fill a calendar for several channels; re-run with locks/rejections to re-optimise.

    With ``avoid_collisions`` channels are planned in turn and each one avoids the
    instants already taken by the others (within ``collision_gap_hours``).
    """
    locked = locked or {}
    rejected = rejected or {}
    taken: list[datetime] = [t for times in locked.values() for t in times]
    entries: list[CalendarEntry] = []
    for channel in channels:
        own_locks = list(locked.get(channel.name, ()))
        rules = channel.rules
        if avoid_collisions:
            others = tuple(t for t in taken if t not in own_locks)
            rules = SpacingRules(
                **{**rules.__dict__, "avoid_utc": rules.avoid_utc + others,
                   "collision_gap_hours": collision_gap_hours}
            )  # fmt: skip
        picks = select_slots(
            channel.starts,
            channel.values,
            channel.posts,
            rules,
            locked=own_locks,
            rejected=list(rejected.get(channel.name, ())),
        )
        entries += [CalendarEntry(channel.name, t, math.nan, True) for t in own_locks]
        for i in picks:
            entries.append(CalendarEntry(channel.name, channel.starts[i], channel.values[i]))
            taken.append(channel.starts[i])
    return sorted(entries, key=lambda e: (e.start_utc, e.channel))
