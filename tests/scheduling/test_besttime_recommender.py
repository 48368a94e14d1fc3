"""The week recommender: constraints always hold, thin history falls back, signal is learned."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clairon.scheduling import PastPost, WeekPlan, recommend_week

WEEK = date(2026, 11, 2)  # a Monday


def _history(
    n: int,
    seed: int,
    *,
    peak_zone: str = "Europe/Paris",
    peak_hour: int = 10,
    strength: float = 0.0,
) -> list[PastPost]:
    rng = random.Random(seed)
    start = datetime(2026, 8, 31, tzinfo=UTC)
    tz = ZoneInfo(peak_zone)
    posts = []
    for _ in range(n):
        t = start + timedelta(hours=rng.randrange(24 * 7 * 9))
        local = t.astimezone(tz)
        bump = strength * math.exp(-(((local.hour - peak_hour) / 2.0) ** 2))
        eng = math.exp(math.log(50) + bump + rng.gauss(0, 0.5))
        posts.append(PastPost(t, impressions=2000, engagements=round(eng)))
    return posts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_history=st.integers(0, 40),
    seed=st.integers(0, 10_000),
    posts=st.integers(0, 14),
    gap=st.floats(0, 30),
    cap=st.one_of(st.none(), st.integers(1, 3)),
    blackout=st.sets(st.integers(0, 6), max_size=3),
    now_offset=st.one_of(st.none(), st.integers(0, 6 * 24)),
    explore=st.booleans(),
    tz_name=st.sampled_from(["Europe/Paris", "Australia/Sydney", "Africa/Casablanca"]),
)
def test_recommendations_never_violate_spacing_caps_or_blackouts(
    n_history: int,
    seed: int,
    posts: int,
    gap: float,
    cap: int | None,
    blackout: set[int],
    now_offset: int | None,
    explore: bool,
    tz_name: str,
) -> None:
    tz = ZoneInfo(tz_name)
    blackout_dates = [WEEK + timedelta(days=d) for d in blackout]
    now = None
    if now_offset is not None:
        now = datetime(2026, 11, 2, tzinfo=tz).astimezone(UTC) + timedelta(hours=now_offset)
    plan = recommend_week(
        _history(n_history, seed),
        network="linkedin",
        audience={tz_name: 0.8, "America/New_York": 0.2},
        week_start=WEEK,
        posts=posts,
        min_gap_hours=gap,
        daily_cap=cap,
        blackout_dates=blackout_dates,
        explore=explore,
        now=now,
    )
    starts = [s.start_utc for s in plan.slots]
    assert len(starts) <= posts
    assert starts == sorted(starts)
    for a, b in itertools.pairwise(starts):
        assert (b - a) >= timedelta(hours=gap)
    days = [s.astimezone(tz).date() for s in starts]
    assert all(WEEK <= d < WEEK + timedelta(days=7) for d in days)
    assert not set(days) & set(blackout_dates)
    if cap is not None:
        assert all(days.count(d) <= cap for d in days)
    if now is not None:
        assert all(s >= now for s in starts)
    assert sum(s.is_experiment for s in plan.slots) <= (1 if explore else 0)


def test_fewer_than_five_posts_falls_back_to_priors_and_says_so() -> None:
    plan = recommend_week(
        _history(3, 1),
        network="linkedin",
        audience={"Europe/Paris": 1.0},
        week_start=WEEK,
        posts=3,
    )
    assert plan.fallback_to_priors
    assert "fewer than 5" in plan.summary
    assert all("published linkedin curves" in s.explanation for s in plan.slots)
    # LinkedIn's published curve favours weekday office hours
    for slot in plan.slots:
        local = slot.start_utc.astimezone(ZoneInfo("Europe/Paris"))
        assert local.weekday() < 5 and 7 <= local.hour <= 14


def test_no_history_at_all_still_recommends_without_numbers() -> None:
    plan = recommend_week(
        [],
        network="instagram",
        audience=None,
        week_start=WEEK,
        posts=2,
        home_timezone="America/Sao_Paulo",
    )
    assert len(plan.slots) == 2
    assert all(s.expected_engagements is None for s in plan.slots)


def test_learns_a_strong_account_specific_peak() -> None:
    # the account's audience engages at 21:00 Paris time, against the LinkedIn curve
    history = _history(120, 7, peak_hour=21, strength=1.2)
    plan = recommend_week(
        history,
        network="linkedin",
        audience={"Europe/Paris": 1.0},
        week_start=WEEK,
        posts=3,
        min_gap_hours=6,
    )
    assert not plan.fallback_to_priors and plan.timing_matters
    hours = [s.start_utc.astimezone(ZoneInfo("Europe/Paris")).hour for s in plan.slots]
    assert all(18 <= h <= 23 for h in hours), hours


def test_stale_declared_zone_is_corrected_by_results() -> None:
    # declared Paris, but the audience really lives in Tokyo and follows LinkedIn's curve
    history = _history(100, 3, peak_zone="Asia/Tokyo", peak_hour=10, strength=1.0)
    plan = recommend_week(
        history,
        network="linkedin",
        audience={"Europe/Paris": 1.0},
        week_start=WEEK,
        posts=2,
        min_gap_hours=6,
    )
    hours = [s.start_utc.astimezone(ZoneInfo("Asia/Tokyo")).hour for s in plan.slots]
    assert all(7 <= h <= 14 for h in hours), hours
    assert "suggest" in plan.summary


def test_flat_history_says_timing_barely_matters() -> None:
    plan = _flat_plan()
    assert not plan.timing_matters
    assert "barely matters" in plan.summary


def _flat_plan() -> WeekPlan:
    history = [
        PastPost(datetime(2026, 9, 1, tzinfo=UTC) + timedelta(hours=5 * k), engagements=50)
        for k in range(200)
    ]
    return recommend_week(
        history, network="unknown-net", audience={"UTC": 1.0}, week_start=WEEK, posts=2
    )


def test_explanation_has_numbers_interval_audience_and_holiday() -> None:
    history = _history(40, 11)
    plan = recommend_week(
        history,
        network="linkedin",
        audience={"Europe/Paris": 0.7, "America/Montreal": 0.3},
        week_start=date(2026, 11, 9),
        posts=5,
        min_gap_hours=20,
    )
    slot = plan.slots[0]
    assert slot.expected_rate is not None and slot.interval_90 is not None
    assert slot.interval_90[0] <= slot.expected_rate <= slot.interval_90[1]
    assert "90% interval" in slot.explanation and "based on 40 posts" in slot.explanation
    assert "of your audience is in UTC" in slot.explanation
    assert "holiday" in slot.explanation
    # 11 November (Armistice Day) is a French public holiday: named when it is chosen
    on_armistice = recommend_week(
        history,
        network="linkedin",
        audience={"Europe/Paris": 1.0},
        week_start=date(2026, 11, 9),
        posts=1,
        blackout_dates=[date(2026, 11, d) for d in (9, 10, 12, 13)],
    )
    if on_armistice.slots[0].start_utc.astimezone(ZoneInfo("Europe/Paris")).day == 11:
        assert "Armistice" in on_armistice.slots[0].explanation
    heat = plan.heat_map
    assert len(heat.relative) == 7 and all(len(r) == 24 for r in heat.relative)


def test_locked_and_rejected_slots_are_respected() -> None:
    history = _history(40, 5)
    first = recommend_week(
        history,
        network="linkedin",
        audience={"Europe/Paris": 1.0},
        week_start=WEEK,
        posts=3,
        min_gap_hours=4,
    )
    best = first.slots[0].start_utc
    locked = datetime(2026, 11, 7, 9, tzinfo=UTC)
    again = recommend_week(
        history,
        network="linkedin",
        audience={"Europe/Paris": 1.0},
        week_start=WEEK,
        posts=3,
        min_gap_hours=4,
        locked=[locked],
        rejected=[best],
    )
    starts = [s.start_utc for s in again.slots]
    assert best not in starts and locked not in starts and len(starts) == 2
    assert all(abs(s - locked) >= timedelta(hours=4) for s in starts)


def test_other_accounts_posts_are_avoided_when_asked() -> None:
    history = _history(40, 9)
    first = recommend_week(
        history, network="linkedin", audience={"Europe/Paris": 1.0}, week_start=WEEK, posts=3
    )
    taken = [s.start_utc for s in first.slots]
    again = recommend_week(
        history,
        network="linkedin",
        audience={"Europe/Paris": 1.0},
        week_start=WEEK,
        posts=3,
        avoid_utc=taken,
        collision_gap_hours=2,
    )
    assert len(again.slots) == 3
    assert all(abs(s.start_utc - t) >= timedelta(hours=2) for s in again.slots for t in taken)
