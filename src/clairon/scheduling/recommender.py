"""The public best-time API: ``recommend_week`` turns plain records into a week plan."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from clairon.errors import ValidationFailed
from clairon.scheduling.best_time import MIN_HISTORY_POSTS, BestTimeModel, fit_best_time
from clairon.scheduling.explanation import (
    WEEKDAY_NAMES,
    HeatMap,
    audience_line,
    format_value,
    holiday_line,
    zone_city,
)
from clairon.scheduling.history import PastPost
from clairon.scheduling.planner import SpacingRules, select_slots
from clairon.scheduling.slots import Slot, week_slots

__all__ = ["RecommendedSlot", "WeekPlan", "recommend_week"]


@dataclass(frozen=True)
class RecommendedSlot:
    """One recommended publication instant and why.

    ``expected_rate``/``interval_90`` are engagements per impression when the history
    has impressions (else ``None``); ``expected_engagements`` and
    ``engagements_interval_90`` are per post. ``relative_to_median`` compares with the
    account's median slot (or the network's average slot when history is thin).
    """

    start_utc: datetime
    local_label: str
    expected_engagements: float | None
    engagements_interval_90: tuple[float, float] | None
    expected_rate: float | None
    interval_90: tuple[float, float] | None
    relative_to_median: float
    score: float
    is_experiment: bool
    explanation: str


@dataclass(frozen=True)
class WeekPlan:
    """The chosen slots of a week (chronological) and account-level findings."""

    week_start: date
    network: str
    timezone: str
    slots: tuple[RecommendedSlot, ...]
    posts_used: int
    fallback_to_priors: bool
    timing_matters: bool
    timing_share: float
    summary: str
    heat_map: HeatMap


def _learned_mixture(model: BestTimeModel) -> tuple[dict[str, float], bool]:
    mixture: dict[str, float] = {}
    for hyp in model.hypotheses:
        for name, weight in hyp.mixture.items():
            mixture[name] = mixture.get(name, 0.0) + hyp.probability * weight
    declared_prob = sum(h.probability for h in model.hypotheses if h.declared)
    return mixture, declared_prob < 0.5


def _heat_map(
    model: BestTimeModel,
    week_start: date,
    median: float,
    cached: tuple[Sequence[Slot], np.ndarray, np.ndarray] | None,
) -> HeatMap:
    if cached is not None:
        hourly, mu, var = cached
        shift, sd = model.log_mean_shift, np.sqrt(var)
        mean = np.exp(mu + shift) - 1
        lower, upper = np.exp(mu - 1.645 * sd + shift) - 1, np.exp(mu + 1.645 * sd + shift) - 1
    else:
        hourly = week_slots(week_start, model.reference_zone, 60)
        mean, lower, upper = model.expected([s.start_utc for s in hourly])
    cells: dict[tuple[int, int], tuple[float, float, float]] = {}
    for s, m, lo, hi in zip(hourly, mean, lower, upper, strict=True):
        cells.setdefault((s.local.weekday(), s.local.hour), (m, lo, hi))
    rows = [[cells.get((d, h), (np.nan,) * 3) for h in range(24)] for d in range(7)]

    def grid(k: int) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(round(float(c[k]) / median, 3) for c in row) for row in rows)

    return HeatMap(model.reference_zone, WEEKDAY_NAMES, tuple(range(24)), grid(0), grid(1), grid(2))


def _seed(history: Sequence[PastPost], week_start: date) -> int:
    digest = hashlib.sha256(f"{len(history)}|{week_start}".encode())
    for post in history[-20:]:
        digest.update(f"{post.published_at}|{post.total_engagements}".encode())
    return int.from_bytes(digest.digest()[:8], "big")


def recommend_week(
    history: Sequence[PastPost],
    *,
    network: str,
    audience: Mapping[str, float] | None,
    week_start: date,
    posts: int,
    min_gap_hours: float = 3.0,
    slot_minutes: int = 60,
    daily_cap: int | None = None,
    explore: bool = False,
    home_timezone: str | None = None,
    now: datetime | None = None,
    blackout_dates: Sequence[date] = (),
    avoid_utc: Sequence[datetime] = (),
    collision_gap_hours: float = 1.0,
    locked: Sequence[datetime] = (),
    rejected: Sequence[datetime] = (),
    seed: int | None = None,
) -> WeekPlan:
    """Choose ``posts`` publication instants in the 7 days starting at ``week_start``.

    The week starts at local midnight in ``home_timezone`` (default: the audience's
    largest zone). ``audience`` maps IANA zones to weights (normalised). Slots before
    ``now`` are never proposed; ``locked`` instants are kept and count toward ``posts``;
    ``rejected`` instants are never proposed. Pure: no clock, no I/O.
    """
    if posts < 0:
        raise ValidationFailed("posts must be >= 0", "posts")
    if min_gap_hours < 0:
        raise ValidationFailed("min_gap_hours must be >= 0", "min_gap_hours")
    if daily_cap is not None and daily_cap < 1:
        raise ValidationFailed("daily_cap must be >= 1", "daily_cap")
    model = fit_best_time(
        history, network=network, audience=audience, home_timezone=home_timezone, now=now
    )
    grid = [s for s in week_slots(week_start, model.reference_zone, slot_minutes)]
    if now is not None:
        grid = [s for s in grid if s.start_utc >= now]
    starts = [s.start_utc for s in grid]
    mu, var = model.predict_log(starts) if grid else (np.zeros(0), np.zeros(0))
    rules = SpacingRules(
        min_gap_hours=min_gap_hours,
        daily_cap=daily_cap,
        blackout_dates=frozenset(blackout_dates),
        timezone=model.reference_zone,
        avoid_utc=tuple(avoid_utc),
        collision_gap_hours=collision_gap_hours if avoid_utc else 0.0,
        fatigue_effect=model.fatigue_effect,
    )
    picks = select_slots(starts, list(mu), posts, rules, locked=locked, rejected=rejected)
    experiment: int | None = None
    if explore and picks and not model.is_fallback:
        rng = np.random.default_rng(seed if seed is not None else _seed(history, week_start))
        draw = model.sample_log(starts, rng)
        keep = picks[:-1]
        alt = select_slots(
            starts, list(draw), len(keep) + len(locked) + 1, rules,
            locked=[*locked, *(starts[i] for i in keep)], rejected=rejected,
        )  # fmt: skip
        if alt and alt[0] != picks[-1]:
            experiment = alt[0]
            picks = [*keep, alt[0]]
    full_hourly = slot_minutes == 60 and len(grid) == len(
        week_slots(week_start, model.reference_zone)
    )
    cached = (grid, mu, var) if full_hourly else None
    return _build_plan(model, week_start, network, grid, mu, var, picks, experiment, cached)


def _build_plan(
    model: BestTimeModel,
    week_start: date,
    network: str,
    grid: Sequence[Slot],
    mu: np.ndarray,
    var: np.ndarray,
    picks: Sequence[int],
    experiment: int | None,
    cached: tuple[Sequence[Slot], np.ndarray, np.ndarray] | None,
) -> WeekPlan:
    shift = model.log_mean_shift
    sd = np.sqrt(var)
    mean = np.exp(mu + shift) - 1
    daytime = [i for i, s in enumerate(grid) if 7 <= s.local.hour < 22] or list(range(len(grid)))
    median_log = float(np.median(mu[daytime])) if len(grid) else 0.0
    median = max(float(np.exp(median_log + shift) - 1), 1e-9)
    spread = float(mu[daytime].max() - mu[daytime].min()) if len(grid) else 0.0
    day_var = float(np.var(mu[daytime])) if len(grid) else 0.0
    timing_share = day_var / (day_var + model.noise_sd**2)
    noise = 1.645 * float(np.median(sd[daytime])) * np.sqrt(2) if len(grid) else 0.0
    timing_matters = bool(spread > max(noise, 0.1))
    mixture, learned = _learned_mixture(model)
    shown = mixture if learned else dict(model.declared)
    has_numbers = model.n_posts > 0
    rate_base = model.typical_impressions
    span = f"{model.n_posts} posts over {max(model.weeks_of_history, 1):.0f} weeks"
    slots = []
    for i in sorted(picks, key=lambda j: grid[j].start_utc):
        slot = grid[i]
        lo, hi = (
            np.exp(mu[i] - 1.645 * sd[i] + shift) - 1,
            np.exp(mu[i] + 1.645 * sd[i] + shift) - 1,
        )
        relative = float(np.exp(mu[i] - median_log))
        rate = float(mean[i]) / rate_base if (rate_base and has_numbers) else None
        rate_iv = (
            (float(lo) / rate_base, float(hi) / rate_base)
            if rate is not None and rate_base
            else None
        )
        where = f"{slot.label.split(' (')[0]} {zone_city(model.reference_zone)} time"
        if rate is not None and rate_iv is not None:
            value = (
                f"expected {format_value(rate, True)} engagement (90% interval "
                f"{format_value(rate_iv[0], True)}–{format_value(rate_iv[1], True)})"
            )
        elif has_numbers:
            value = (
                f"expected {format_value(float(mean[i]), False)} engagements (90% interval "
                f"{format_value(float(lo), False)}–{format_value(float(hi), False)})"
            )
        else:
            value = "no history to estimate engagement"
        basis = (
            f"{relative:.1f}× the account's median slot, based on {span}"
            if not model.is_fallback
            else f"{relative:.1f}× the network's average slot; "
            f"only {model.n_posts} posts of history (< {MIN_HISTORY_POSTS}), so this "
            f"follows published {model.network.name} curves for your audience"
        )
        parts = [f"{where}: {value}", basis, audience_line(slot.start_utc, shown, learned)]
        parts.append(holiday_line(slot.start_utc, shown))
        text = ", ".join(parts[:2]) + "; " + "; ".join(parts[2:])
        if i == experiment:
            text = "EXPERIMENT (uncertain but promising slot, to learn): " + text
        slots.append(
            RecommendedSlot(
                start_utc=slot.start_utc,
                local_label=slot.label,
                expected_engagements=float(mean[i]) if has_numbers else None,
                engagements_interval_90=(float(lo), float(hi)) if has_numbers else None,
                expected_rate=rate,
                interval_90=rate_iv,
                relative_to_median=relative,
                score=float(mu[i]),
                is_experiment=i == experiment,
                explanation=text,
            )
        )
    summary_parts = []
    if model.is_fallback:
        summary_parts.append(
            f"Only {model.n_posts} posts of history (fewer than {MIN_HISTORY_POSTS}): falling "
            f"back to published {model.network.name} curves for your audience's time zones."
        )
    else:
        summary_parts.append(f"Learned from {span}.")
    if not timing_matters:
        summary_parts.append(
            "Timing barely matters for this account: your best and worst usual slots "
            "differ by less than the noise."
        )
    else:
        summary_parts.append(
            f"Best usual slots are {np.exp(spread):.1f}× the worst; timing explains about "
            f"{timing_share:.0%} of the post-to-post variance."
        )
    if learned:
        top = max(mixture, key=lambda z: mixture[z])
        summary_parts.append(
            f"Your results do not match the declared audience well; they suggest "
            f"{mixture[top]:.0%} in {top}."
        )
    return WeekPlan(
        week_start=week_start,
        network=network,
        timezone=model.reference_zone,
        slots=tuple(slots),
        posts_used=model.n_posts,
        fallback_to_priors=model.is_fallback,
        timing_matters=timing_matters,
        timing_share=timing_share,
        summary=" ".join(summary_parts),
        heat_map=_heat_map(model, week_start, median, cached),
    )
