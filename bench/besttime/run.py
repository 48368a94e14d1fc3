"""Harness: every policy plans weeks 9-26 on the same simulated accounts.

Run from the repository root: ``python -m bench.besttime`` (``--quick`` for a smoke test).
"""

from __future__ import annotations

import argparse
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from bench.besttime.policies import POLICIES, Context
from bench.besttime.world import (
    SCENARIOS,
    Account,
    Params,
    habitual_slots,
    make_account,
    observed,
)

from clairon.scheduling import PastPost, best_time

HISTORY_WEEKS = 8
CONTENT_NAMES = ("image", "video", "link", "text")


@dataclass
class Post:
    published: datetime
    final: float
    impressions: float
    content: str


@dataclass
class AccountResult:
    index: int
    posts_per_week: int
    captured: dict[str, list[float]] = field(default_factory=dict)  # per week
    covered: list[bool] = field(default_factory=list)
    below: list[bool] = field(default_factory=list)
    log_error: list[float] = field(default_factory=list)
    timing_share: float = 0.0
    change: str = ""


def _records(posts: list[Post], account: Account, now: datetime) -> list[PastPost]:
    out = []
    for post in posts:
        if post.published >= now:
            continue
        count = observed(account, post.final, post.published, now)
        out.append(
            PastPost(
                published_at=post.published,
                impressions=post.impressions,
                engagements=count,
                observed_at=now,
                content_type=post.content,
            )
        )
    return out


def _publish(account: Account, week: int, slots: list[int]) -> tuple[list[Post], float]:
    starts = [account.slot_starts[week][s] for s in slots]
    posts, captured = [], 0.0
    for slot, start in zip(slots, starts, strict=True):
        captured += account.expected[week, slot] * account.fatigue_factor(start, starts)
        final, impressions = account.post_outcome(week, slot, starts)
        content = CONTENT_NAMES[int(account.content[week, slot])]
        posts.append(Post(start, final, impressions, content))
    return posts, captured


VARIANTS: dict[str, dict[str, object]] = {
    "": {},
    # ablations of the model (module constants), for the docs' table
    "single-shape": {"SHAPE_SCALES": (1.0,)},
    "no-zone-learning": {"CANDIDATE_ZONES": ()},
    "half-life-8": {"HALF_LIFE_WEEKS": 8.0},
    "half-life-20": {"HALF_LIFE_WEEKS": 20.0},
    "wide": {"SHAPE_SCALES": (0.5, 1.0, 2.5, 5.0), "MIX_SHARES": (0.25, 0.5)},
}


def simulate_account(args: tuple[int, int, int, Params, str, tuple[str, ...]]) -> AccountResult:
    index, weeks, seed, params, variant, only = args
    for name, value in VARIANTS[variant].items():
        setattr(best_time, name, value)
    rng = np.random.default_rng([seed, index])
    account = make_account(index, weeks, rng, params)
    result = AccountResult(index, account.posts_per_week, change=account.change_kind)
    shared: list[Post] = []
    timing, logs = [], []
    for week in range(HISTORY_WEEKS):
        slots = habitual_slots(account, week, rng)
        posts, _ = _publish(account, week, slots)
        shared += posts
        timing += [account.log_timing[week, s] for s in slots]
        logs += [math.log1p(p.final) for p in posts]
    result.timing_share = float(np.var(timing) / np.var(logs)) if len(logs) > 2 else 0.0
    for name, policy in POLICIES.items():
        if only and name not in only:
            result.captured[name] = [1.0] * (weeks - HISTORY_WEEKS)
            continue
        own = list(shared)
        per_week = []
        for week in range(HISTORY_WEEKS, weeks):
            now = account.slot_starts[week][0]
            ctx = Context(account, week, _records(own, account, now), now, rng)
            slots, recs = policy(ctx)
            posts, captured = _publish(account, week, slots)
            own += posts
            per_week.append(captured)
            if name == "clairon":
                for slot, rec in zip(slots, recs, strict=True):
                    if rec.engagements_interval_90 is not None:
                        low, high = rec.engagements_interval_90
                        truth = account.expected[week, slot]
                        result.covered.append(low <= truth <= high)
                        result.below.append(truth < low)
                        if rec.expected_engagements:
                            result.log_error.append(math.log(truth / rec.expected_engagements))
        result.captured[name] = per_week
    return result


def _bootstrap(values: np.ndarray, rng: np.random.Generator, n: int = 2000) -> tuple[float, float]:
    if len(values) == 0:
        return math.nan, math.nan
    draws = rng.integers(0, len(values), size=(n, len(values)))
    means = values[draws].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def report(results: list[AccountResult], elapsed: float) -> None:
    rng = np.random.default_rng(0)
    names = list(POLICIES)
    ratio = {
        n: np.array([sum(r.captured[n]) / sum(r.captured["oracle"]) for r in results])
        for n in names
    }
    sparse = np.array([r.posts_per_week <= 4 for r in results])
    last = len(results[0].captured["oracle"]) + 8
    print(f"\nBest-time simulator: {len(results)} accounts, weeks 9-{last}, {elapsed:.0f} s")
    print(
        f"{'policy':26} {'% of oracle':>11} {'95% CI':>15}   {'sparse (<=4/wk)':>15} {'95% CI':>15}"
    )
    for n in names:
        lo, hi = _bootstrap(ratio[n], rng)
        slo, shi = _bootstrap(ratio[n][sparse], rng)
        print(
            f"{n:26} {100 * ratio[n].mean():10.1f}% [{100 * lo:5.1f}, {100 * hi:5.1f}]   "
            f"{100 * ratio[n][sparse].mean():14.1f}% [{100 * slo:5.1f}, {100 * shi:5.1f}]"
        )
    for base in ("heat-map (Sprout-like)", "generic published peaks"):
        diff = ratio["clairon"] - ratio[base]
        lo, hi = _bootstrap(diff, rng)
        print(
            f"clairon - {base}: {100 * diff.mean():+.1f} points [{100 * lo:+.1f}, {100 * hi:+.1f}]"
        )
    print(f"sparse accounts: {int(sparse.sum())} of {len(results)}")
    print("\nlearning curve (% of oracle by week, mean over accounts):")
    shown = [
        "clairon",
        "clairon+explore",
        "heat-map (Sprout-like)",
        "generic published peaks",
        "random",
    ]
    print("week " + " ".join(f"{n[:14]:>15}" for n in shown))
    n_weeks = len(results[0].captured["oracle"])
    for w in range(n_weeks):
        row = []
        for n in shown:
            row.append(np.mean([r.captured[n][w] / r.captured["oracle"][w] for r in results]))
        print(f"{w + 9:4d} " + " ".join(f"{100 * v:14.1f}%" for v in row))
    shares = np.array([r.timing_share for r in results])
    print(
        f"\ntiming share of log-engagement variance in the history: mean {100 * shares.mean():.1f}%"
        f" (median {100 * np.median(shares):.1f}%, IQR {100 * np.percentile(shares, 25):.1f}"
        f"–{100 * np.percentile(shares, 75):.1f}%)"
    )
    covered = [c for r in results for c in r.covered]
    print(f"90% interval coverage of true expected engagement (clairon's picks, held out): "
          f"{100 * np.mean(covered):.1f}% of {len(covered)} posts")  # fmt: skip
    below = [c for r in results for c in r.below]
    errors = [c for r in results for c in r.log_error]
    print(f"  truth below the interval {100 * np.mean(below):.1f}%; log(truth/expected) mean "
          f"{np.mean(errors):+.3f}, sd {np.std(errors):.3f}")  # fmt: skip
    for low, high in ((1, 4), (5, 7), (10, 14)):
        sel = np.array([low <= r.posts_per_week <= high for r in results])
        if sel.any():
            print(f"  {low:2d}-{high:2d} posts/week: n={int(sel.sum()):3d}  clairon "
                  f"{100 * ratio['clairon'][sel].mean():.1f}%  heat-map "
                  f"{100 * ratio['heat-map (Sprout-like)'][sel].mean():.1f}%  generic "
                  f"{100 * ratio['generic published peaks'][sel].mean():.1f}%")  # fmt: skip
    for kind in ("market", "daypart", ""):
        sel = np.array([r.change == kind for r in results])
        if sel.any():
            label = kind or "no change"
            print(f"  accounts with {label:9}: n={int(sel.sum()):3d}  clairon "
                  f"{100 * ratio['clairon'][sel].mean():.1f}%  heat-map "
                  f"{100 * ratio['heat-map (Sprout-like)'][sel].mean():.1f}%  generic "
                  f"{100 * ratio['generic published peaks'][sel].mean():.1f}%")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="8 accounts, 14 weeks")
    parser.add_argument("--accounts", type=int, default=60)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="default")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="")
    parser.add_argument(
        "--only", default="", help="comma-separated policies to run (others print 0)"
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    accounts, weeks = (8, 14) if args.quick else (args.accounts, args.weeks)
    started = time.monotonic()
    scenario = SCENARIOS[args.scenario]
    only = tuple(p for p in args.only.split(",") if p)
    if only:
        only = (*only, "oracle")
    jobs = [(i, weeks, args.seed, scenario, args.variant, only) for i in range(accounts)]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(pool.map(simulate_account, jobs))
    else:
        results = [simulate_account(j) for j in jobs]
    print(f"scenario: {args.scenario}  model variant: {args.variant or 'full'}")
    report(results, time.monotonic() - started)


if __name__ == "__main__":
    main()
