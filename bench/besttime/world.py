"""A simulated world of accounts and audiences, for judging best-time policies.

Properties (see docs/best-time.md):

* each account has an audience spread over 1-3 IANA time zones (with DST and each
  country's public holidays); declared zones are sometimes stale from the start and an
  abrupt change (new market, new day-part) happens for a share of accounts mid-run;
* network-specific activity by local hour and weekday, built from smooth bumps whose
  positions/heights are perturbed per account and drift slowly (NOT the published
  curves the model uses as its prior);
* feed competition (brands crowd weekday mornings), fatigue when an account posts twice
  within a few hours, content types with different effects;
* content quality noise far larger than timing, occasional viral posts, negative-binomial
  counts; young posts show partial counts (engagement accumulates over ~a day);
* random draws are fixed per (account, week, slot) so every policy faces the same luck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np
from scipy import stats

from clairon.scheduling.slots import country_of_zone, week_slots

ZONES = (
    "Europe/Paris", "Europe/London", "America/New_York", "America/Montreal",
    "America/Sao_Paulo", "America/Los_Angeles", "Australia/Sydney", "Africa/Casablanca",
    "Asia/Tokyo", "Asia/Kolkata", "Europe/Berlin", "America/Mexico_City",
)  # fmt: skip
NETWORKS = ("linkedin", "instagram", "x", "facebook", "tiktok")
# (center hour, height, width) bumps of audience activity in local time
BUMPS = {
    "linkedin": ((8.5, 1.0, 1.6), (12.5, 0.7, 1.5), (17.5, 0.4, 2.0)),
    "instagram": ((12.0, 0.8, 2.0), (19.5, 1.0, 2.5), (8.0, 0.4, 1.5)),
    "x": ((9.0, 1.0, 2.0), (13.0, 0.6, 2.0), (20.0, 0.6, 2.5)),
    "facebook": ((10.0, 0.8, 2.5), (13.0, 0.8, 2.0), (20.0, 0.7, 2.5)),
    "tiktok": ((13.0, 0.5, 2.0), (20.0, 1.0, 2.5), (23.0, 0.5, 1.5)),
}
WEEKDAYS = {
    "linkedin": (1.0, 1.1, 1.1, 1.05, 0.9, 0.4, 0.35),
    "instagram": (1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.95),
    "x": (1.0, 1.05, 1.05, 1.0, 0.95, 0.75, 0.75),
    "facebook": (1.0, 1.0, 1.0, 1.0, 1.0, 0.85, 0.9),
    "tiktok": (0.95, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0),
}
HOLIDAY_EFFECT = {"linkedin": 0.5, "instagram": 1.05, "x": 0.85, "facebook": 1.0, "tiktok": 1.1}
CONTENT = {"image": 0.0, "video": 0.25, "link": -0.3, "text": -0.1}
START = date(2026, 1, 5)  # a Monday; 26 weeks cover Ramadan, Easter, DST changes
N_SLOTS = 168
VIRAL_P, VIRAL_SCALE = 0.02, 0.8


@dataclass
class Params:
    """World knobs. The hidden judge uses other values: never tune to these."""

    kappa: tuple[float, float] = (0.5, 0.85)  # elasticity of engagement to activity
    quality_sd: tuple[float, float] = (0.8, 1.1)
    nb_dispersion: float = 6.0
    competition: tuple[float, float] = (0.1, 0.35)
    fatigue: tuple[float, float] = (0.15, 0.45)
    completion_hours: tuple[float, float] = (4.0, 14.0)
    stale_at_start: float = 0.25
    abrupt_change: float = 0.35
    center_sd_hours: float = 1.2  # account-specific shift of activity bumps
    height_sd: float = 0.35  # account-specific log-height of activity bumps


SCENARIOS = {
    "default": Params(),
    # a world further from the published curves, with more stale audiences and churn
    "hard": Params(
        kappa=(0.6, 1.0),
        quality_sd=(0.85, 1.15),
        nb_dispersion=3.0,
        completion_hours=(2.0, 24.0),
        stale_at_start=0.5,
        abrupt_change=0.5,
        center_sd_hours=2.0,
        height_sd=0.5,
    ),
}


@dataclass
class Account:
    """One simulated account. ``expected[w, s]`` is the true expected engagement."""

    index: int
    network: str
    home: str
    posts_per_week: int
    declared: dict[str, float]
    expected: np.ndarray  # (weeks, 168) without fatigue
    log_timing: np.ndarray  # (weeks, 168) log timing factor (diagnostic)
    quality: np.ndarray  # (weeks, 168) per-slot post quality draw (log)
    content: np.ndarray  # (weeks, 168) content type index
    uniform: np.ndarray  # (weeks, 168) NB uniform draw
    slot_starts: list[list[datetime]]
    fatigue: float
    completion_hours: float
    dispersion: float
    habits: list[tuple[int, float]] = field(default_factory=list)
    change_week: int | None = None
    change_kind: str = ""

    def fatigue_factor(self, start: datetime, others: list[datetime]) -> float:
        hit = sum(
            math.exp(-abs((start - o).total_seconds()) / 3600.0 / 5.0)
            for o in others
            if o != start and abs((start - o).total_seconds()) < 24 * 3600
        )
        return math.exp(-self.fatigue * hit)

    def post_outcome(self, week: int, slot: int, others: list[datetime]) -> tuple[float, float]:
        """(final engagements, impressions) of a post at ``slot`` of ``week``."""
        fat = self.fatigue_factor(self.slot_starts[week][slot], others)
        mean_q = _mean_quality_factor(self.quality_sd_used)
        lam = self.expected[week, slot] * fat * math.exp(self.quality[week, slot]) / mean_q
        lam *= math.exp(list(CONTENT.values())[int(self.content[week, slot])]) / _content_mean()
        r = self.dispersion
        count = float(stats.nbinom.ppf(self.uniform[week, slot], r, r / (r + lam)))
        impressions = lam / 0.04 * math.exp(-0.5 * self.quality[week, slot]) + 50
        return count, impressions

    quality_sd_used: float = 0.7


def _content_mean() -> float:
    return float(np.mean([math.exp(v) for v in CONTENT.values()]))


def _mean_quality_factor(sd: float) -> float:
    viral = 1.0 / (1.0 - VIRAL_SCALE)
    return math.exp(sd**2 / 2) * (1 - VIRAL_P + VIRAL_P * viral)


def _holiday_set(zone_name: str, year: int) -> frozenset[date]:
    country = country_of_zone(zone_name)
    if not country:
        return frozenset()
    try:
        return frozenset(holidays.country_holidays(country, years=[year]).keys())
    except NotImplementedError:
        return frozenset()


def _activity(
    bumps: list[tuple[float, float, float]], weekday: tuple[float, ...], local: datetime
) -> float:
    h = local.hour + local.minute / 60.0
    value = 0.08
    for center, height, width in bumps:
        d = min(abs(h - center), 24 - abs(h - center))
        value += height * math.exp(-0.5 * (d / width) ** 2)
    return value * weekday[local.weekday()]


def _crowding(local: datetime) -> float:
    h = local.hour + local.minute / 60.0
    base = (
        0.4 + math.exp(-0.5 * ((h - 9.5) / 1.8) ** 2) + 0.5 * math.exp(-0.5 * ((h - 13) / 1.5) ** 2)
    )
    return base * (1.0 if local.weekday() < 5 else 0.6)


def make_account(index: int, weeks: int, rng: np.random.Generator, p: Params) -> Account:
    network = NETWORKS[int(rng.integers(len(NETWORKS)))]
    home = ZONES[int(rng.integers(len(ZONES)))]
    n_zones = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
    others = [z for z in ZONES if z != home]
    zones = [home, *rng.choice(others, size=n_zones - 1, replace=False).tolist()]
    raw = rng.dirichlet(np.ones(n_zones) * 2.0) if n_zones > 1 else np.ones(1)
    raw = np.sort(raw)[::-1]
    mixture = {z: float(w) for z, w in zip(zones, raw, strict=True)}
    declared = dict(mixture)
    if rng.random() < p.stale_at_start:
        extra = str(rng.choice([z for z in others if z not in mixture]))
        mixture = {z: w * 0.55 for z, w in mixture.items()}
        mixture[extra] = 0.45
    bumps = [
        (
            c + rng.normal(0, p.center_sd_hours),
            h * math.exp(rng.normal(0, p.height_sd)),
            w * math.exp(rng.normal(0, 0.2)),
        )
        for c, h, w in BUMPS[network]
    ]
    weekday = tuple(v * math.exp(rng.normal(0, 0.1)) for v in WEEKDAYS[network])
    kappa = rng.uniform(*p.kappa)
    gamma = rng.uniform(*p.competition)
    change_week = int(rng.integers(9, 19)) if rng.random() < p.abrupt_change else None
    change_kind = str(rng.choice(["market", "daypart"])) if change_week else ""
    new_zone = str(rng.choice([z for z in ZONES if z not in mixture]))
    new_bump = (float(rng.uniform(6, 23)), 1.2, 1.5)
    posts = int(
        rng.choice([1, 2, 3, 4, 5, 7, 10, 14], p=[0.1, 0.15, 0.15, 0.15, 0.15, 0.15, 0.1, 0.05])
    )
    base = math.exp(rng.normal(math.log(60), 0.8))
    growth = rng.normal(0.0, 0.01)
    holidays_of = {z: _holiday_set(z, 2026) for z in {*mixture, new_zone}}
    expected = np.zeros((weeks, N_SLOTS))
    log_timing = np.zeros((weeks, N_SLOTS))
    slot_starts: list[list[datetime]] = []
    for w in range(weeks):
        grid = [s.start_utc for s in week_slots(START + timedelta(weeks=w), home)]
        grid = (grid + [grid[-1] + timedelta(hours=k + 1) for k in range(N_SLOTS)])[:N_SLOTS]
        slot_starts.append(grid)
        mix, bmp = dict(mixture), list(bumps)
        bmp = [(c + 0.03 * w * (1 if i % 2 else -1), h, wd) for i, (c, h, wd) in enumerate(bmp)]
        if change_week is not None and w >= change_week:
            if change_kind == "market":
                mix = {z: v * 0.5 for z, v in mix.items()}
                mix[new_zone] = mix.get(new_zone, 0.0) + 0.5
            else:
                bmp.append(new_bump)
        for s, start in enumerate(grid):
            value = 0.0
            for z, share in mix.items():
                local = start.astimezone(ZoneInfo(z))
                act = _activity(bmp, weekday, local)
                if local.date() in holidays_of[z]:
                    act *= HOLIDAY_EFFECT[network]
                value += share * act**kappa * _crowding(local) ** (-gamma)
            log_timing[w, s] = math.log(value)
        expected[w] = base * math.exp(growth * w) * np.exp(log_timing[w])
    quality_sd = rng.uniform(*p.quality_sd)
    quality = rng.normal(0, quality_sd, size=(weeks, N_SLOTS))
    viral = rng.random((weeks, N_SLOTS)) < VIRAL_P
    quality += viral * rng.exponential(VIRAL_SCALE, size=(weeks, N_SLOTS))
    habits = [
        (int(rng.integers(0, 5)) if rng.random() < 0.8 else int(rng.integers(5, 7)),
         float(rng.integers(7, 20)))
        for _ in range(int(rng.integers(2, 6)))
    ]  # fmt: skip
    account = Account(
        index=index,
        network=network,
        home=home,
        posts_per_week=posts,
        declared=declared,
        expected=expected,
        log_timing=log_timing,
        quality=quality,
        content=rng.integers(0, len(CONTENT), size=(weeks, N_SLOTS)),
        uniform=rng.random((weeks, N_SLOTS)),
        slot_starts=slot_starts,
        fatigue=rng.uniform(*p.fatigue),
        completion_hours=rng.uniform(*p.completion_hours),
        dispersion=p.nb_dispersion,
        habits=habits,
        change_week=change_week,
        change_kind=change_kind,
    )
    account.quality_sd_used = quality_sd
    return account


def habitual_slots(account: Account, week: int, rng: np.random.Generator) -> list[int]:
    """The account's usual posting slots: favourite (weekday, hour) with jitter."""
    chosen: list[int] = []
    tries = 0
    while len(chosen) < account.posts_per_week and tries < 200:
        tries += 1
        if rng.random() < 0.7:
            day, hour = account.habits[int(rng.integers(len(account.habits)))]
            hour = hour + float(rng.integers(-1, 2))
        else:
            day, hour = int(rng.integers(0, 7)), float(rng.integers(7, 22))
        slot = int(day * 24 + hour) % N_SLOTS
        starts = account.slot_starts[week]
        if all(abs((starts[slot] - starts[o]).total_seconds()) >= 3 * 3600 for o in chosen):
            chosen.append(slot)
    return chosen


def observed(account: Account, final: float, published: datetime, at: datetime) -> float:
    """Counts visible at ``at``: young posts show a binomial share of their final count."""
    age = (at - published).total_seconds() / 3600.0
    share = 1.0 - math.exp(-max(age, 0.0) / account.completion_hours)
    seed = int(published.timestamp()) ^ (account.index * 7919)
    return float(np.random.default_rng(seed).binomial(int(final), min(share, 1.0)))


def week_start_utc(account: Account, week: int) -> datetime:
    return account.slot_starts[week][0].astimezone(UTC)
