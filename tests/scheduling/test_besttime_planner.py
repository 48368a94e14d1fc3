"""The pure calendar planner: cadence, locks, rejections, collisions."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from clairon.scheduling import Channel, SpacingRules, plan_calendar, select_slots

START = datetime(2026, 11, 2, tzinfo=UTC)
STARTS = [START + timedelta(hours=h) for h in range(7 * 24)]


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.floats(-3, 3), min_size=len(STARTS), max_size=len(STARTS)),
    count=st.integers(0, 20),
    gap=st.floats(0, 48),
    cap=st.one_of(st.none(), st.integers(1, 4)),
    blackout=st.sets(st.integers(0, 6), max_size=4),
    fatigue=st.floats(-1, 0),
)
def test_select_slots_respects_every_rule(
    values: list[float],
    count: int,
    gap: float,
    cap: int | None,
    blackout: set[int],
    fatigue: float,
) -> None:
    dates = frozenset(date(2026, 11, 2) + timedelta(days=d) for d in blackout)
    rules = SpacingRules(
        min_gap_hours=gap, daily_cap=cap, blackout_dates=dates, fatigue_effect=fatigue
    )
    picked = sorted(STARTS[i] for i in select_slots(STARTS, values, count, rules))
    assert len(picked) <= count
    assert all(b - a >= timedelta(hours=gap) for a, b in itertools.pairwise(picked))
    assert not {p.date() for p in picked} & dates
    if cap is not None:
        assert all(sum(q.date() == p.date() for q in picked) <= cap for p in picked)


def test_calendar_cadence_locks_rejections_and_collisions() -> None:
    values = [1.0 if 9 <= s.hour <= 11 else 0.0 for s in STARTS]
    linkedin = Channel("linkedin", STARTS, values, 3, SpacingRules(min_gap_hours=20))
    instagram = Channel("instagram", STARTS, values, 7, SpacingRules(daily_cap=1))
    plan = plan_calendar([linkedin, instagram], avoid_collisions=True, collision_gap_hours=1)
    by = {c: [e.start_utc for e in plan if e.channel == c] for c in ("linkedin", "instagram")}
    assert len(by["linkedin"]) == 3 and len(by["instagram"]) == 7
    assert not any(abs(a - b) < timedelta(hours=1) for a in by["linkedin"] for b in by["instagram"])
    # lock one LinkedIn slot at 15:00 and reject another: the plan re-optimises around them
    lock, reject = START + timedelta(hours=15), by["linkedin"][0]
    again = plan_calendar([linkedin], locked={"linkedin": [lock]}, rejected={"linkedin": [reject]})
    starts = [e.start_utc for e in again]
    assert lock in starts and reject not in starts and len(starts) == 3
    assert [e.locked for e in again].count(True) == 1
