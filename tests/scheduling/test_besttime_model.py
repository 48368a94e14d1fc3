"""Model internals: partial counts, virality, reach."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clairon.scheduling import PastPost, fit_best_time, recommend_week

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _posts(seed: int, n: int, *, tau_hours: float | None = None) -> list[PastPost]:
    rng = random.Random(seed)
    posts = []
    for k in range(n):
        published = NOW - timedelta(hours=3 + 17 * k + rng.random())
        final = math.exp(math.log(80) + rng.gauss(0, 0.3))
        age = (NOW - published).total_seconds() / 3600
        share = 1.0 if tau_hours is None else 1 - math.exp(-age / tau_hours)
        posts.append(PastPost(published, engagements=round(final * share), observed_at=NOW))
    return posts


def _level(posts: list[PastPost]) -> float:
    model = fit_best_time(posts, network="linkedin", audience={"Europe/Paris": 1.0}, now=NOW)
    expected, _, _ = model.expected([NOW + timedelta(days=2, hours=h) for h in range(24)])
    return float(expected.mean())


def test_young_posts_with_slow_accumulation_do_not_drag_the_estimate_down() -> None:
    complete = _level(_posts(1, 60))
    partial = _level(_posts(1, 60, tau_hours=24.0))
    assert partial > 0.8 * complete


def test_one_viral_post_does_not_move_the_ranking_much() -> None:
    posts = _posts(2, 60)
    viral = PastPost(posts[10].published_at, engagements=50_000, observed_at=NOW)
    base = fit_best_time(posts, network="x", audience={"UTC": 1.0}, now=NOW)
    hit = fit_best_time([*posts, viral], network="x", audience={"UTC": 1.0}, now=NOW)
    grid = [NOW + timedelta(hours=h) for h in range(168)]
    mu_base, _ = base.predict_log(grid)
    mu_hit, _ = hit.predict_log(grid)
    spread = lambda mu: float(mu.max() - mu.min())  # noqa: E731
    assert abs(spread(mu_hit) - spread(mu_base)) < 0.3


def test_reach_is_used_when_impressions_are_missing() -> None:
    posts = [
        PastPost(NOW - timedelta(days=k), engagements=40, reach=1000, observed_at=NOW)
        for k in range(1, 10)
    ]
    model = fit_best_time(posts, network="facebook", audience={"UTC": 1.0}, now=NOW)
    assert model.typical_impressions == pytest.approx(1000)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(0, 24 * 7 * 20),  # hours before now
            st.floats(0, 1e6),  # engagements
            st.one_of(st.none(), st.floats(0, 1e7)),  # impressions
            st.one_of(st.none(), st.integers(0, 96)),  # hours between publish and reading
            st.sampled_from([None, "video", "image", "link"]),
        ),
        max_size=60,
    ),
    st.sampled_from([15, 30, 60]),
    st.booleans(),
)
def test_any_history_gives_a_valid_plan(
    rows: list[tuple[int, float, float | None, int | None, str | None]],
    slot_minutes: int,
    with_now: bool,
) -> None:
    posts = []
    for hours, eng, imp, read_after, kind in rows:
        published = NOW - timedelta(hours=hours)
        observed = None if read_after is None else min(NOW, published + timedelta(hours=read_after))
        posts.append(
            PastPost(
                published, impressions=imp, engagements=eng, observed_at=observed, content_type=kind
            )
        )
    plan = recommend_week(
        posts,
        network="tiktok",
        audience=None,
        home_timezone="Australia/Sydney",
        week_start=date(2026, 11, 2),
        posts=5,
        slot_minutes=slot_minutes,
        now=NOW if with_now else None,
    )
    assert len(plan.slots) <= 5
    for slot in plan.slots:
        assert math.isfinite(slot.score)
        if slot.engagements_interval_90 is not None and slot.expected_engagements is not None:
            low, high = slot.engagements_interval_90
            assert low <= slot.expected_engagements <= high
