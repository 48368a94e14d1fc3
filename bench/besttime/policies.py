"""Posting policies compared by the harness. Each returns slot indices (0..167)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from bench.besttime.world import START, Account, habitual_slots

from clairon.scheduling import PastPost, RecommendedSlot, SpacingRules, recommend_week, select_slots
from clairon.scheduling.priors import network_prior

MIN_GAP_HOURS = 3.0


@dataclass
class Context:
    account: Account
    week: int
    history: Sequence[PastPost]
    now: datetime
    rng: np.random.Generator


Policy = Callable[[Context], tuple[list[int], list[RecommendedSlot]]]


def _greedy(ctx: Context, values: Sequence[float], fatigue: float = 0.0) -> list[int]:
    rules = SpacingRules(min_gap_hours=MIN_GAP_HOURS, fatigue_effect=fatigue, fatigue_hours=5.0)
    starts = ctx.account.slot_starts[ctx.week]
    return select_slots(starts, list(values), ctx.account.posts_per_week, rules)


def oracle(ctx: Context) -> tuple[list[int], list[RecommendedSlot]]:
    values = np.log(ctx.account.expected[ctx.week])
    return _greedy(ctx, list(values), -ctx.account.fatigue), []


def _clairon(ctx: Context, explore: bool) -> tuple[list[int], list[RecommendedSlot]]:
    account = ctx.account
    plan = recommend_week(
        ctx.history,
        network=account.network,
        audience=account.declared,
        week_start=START + timedelta(weeks=ctx.week),
        posts=account.posts_per_week,
        min_gap_hours=MIN_GAP_HOURS,
        home_timezone=account.home,
        now=ctx.now,
        explore=explore,
        seed=account.index * 1000 + ctx.week,
    )
    index = {t: i for i, t in enumerate(account.slot_starts[ctx.week])}
    slots = [s for s in plan.slots if s.start_utc in index]
    return [index[s.start_utc] for s in slots], slots


def clairon(ctx: Context) -> tuple[list[int], list[RecommendedSlot]]:
    return _clairon(ctx, False)


def clairon_explore(ctx: Context) -> tuple[list[int], list[RecommendedSlot]]:
    return _clairon(ctx, True)


def _local_cells(ctx: Context) -> list[tuple[int, int]]:
    tz = ZoneInfo(ctx.account.home)
    out = []
    for t in ctx.account.slot_starts[ctx.week]:
        local = t.astimezone(tz)
        out.append((local.weekday(), local.hour))
    return out


def heat_map(ctx: Context) -> tuple[list[int], list[RecommendedSlot]]:
    """Sprout-like: mean engagement per (weekday, hour) cell over 16 weeks, argmax.

    Network averages (the published curve) fill cells without posts, and replace the
    whole map when the account has fewer than 10 posts.
    """
    tz = ZoneInfo(ctx.account.home)
    prior = network_prior(ctx.account.network)
    cutoff = ctx.now - timedelta(weeks=16)
    recent = [p for p in ctx.history if p.published_at >= cutoff]
    cells: dict[tuple[int, int], list[float]] = {}
    for post in recent:
        local = post.published_at.astimezone(tz)
        cells.setdefault((local.weekday(), local.hour), []).append(post.total_engagements)
    mean = float(np.mean([p.total_engagements for p in recent])) if recent else 1.0
    values = []
    for day, hour in _local_cells(ctx):
        prior_value = mean * float(np.exp(prior.log_multiplier(day, hour)))
        if len(recent) >= 10 and (day, hour) in cells:
            values.append(float(np.log(np.mean(cells[(day, hour)]) + 1e-9)))
        else:
            values.append(float(np.log(prior_value * 0.999)))
    return _greedy(ctx, values), []


def generic(ctx: Context) -> tuple[list[int], list[RecommendedSlot]]:
    prior = network_prior(ctx.account.network)
    values = [prior.log_multiplier(d, h) for d, h in _local_cells(ctx)]
    return _greedy(ctx, values), []


def habitual(ctx: Context) -> tuple[list[int], list[RecommendedSlot]]:
    rng = np.random.default_rng(ctx.account.index * 100_003 + ctx.week)
    return habitual_slots(ctx.account, ctx.week, rng), []


def random_policy(ctx: Context) -> tuple[list[int], list[RecommendedSlot]]:
    rng = np.random.default_rng(ctx.account.index * 7_001 + ctx.week)
    return _greedy(ctx, list(rng.random(len(ctx.account.slot_starts[ctx.week])))), []


POLICIES: dict[str, Policy] = {
    "oracle": oracle,
    "clairon": clairon,
    "clairon+explore": clairon_explore,
    "heat-map (Sprout-like)": heat_map,
    "generic published peaks": generic,
    "habitual times": habitual,
    "random": random_policy,
}
