from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clairon.errors import ValidationFailed
from clairon.services import accounts, posts, scheduling
from clairon.services.caps import DAY, exceeds_rolling_cap
from clairon.services.context import Context
from tests.factories import make_world

BASE = datetime(2026, 3, 29, tzinfo=UTC)


@given(
    offsets=st.lists(st.integers(min_value=-3000, max_value=3000), max_size=12),
    at=st.integers(min_value=-3000, max_value=3000),
    cap=st.integers(min_value=1, max_value=6),
)
def test_rolling_cap_matches_brute_force(offsets: list[int], at: int, cap: int) -> None:
    times = [BASE + timedelta(minutes=o) for o in offsets]
    moment = BASE + timedelta(minutes=at)
    everything = [*times, moment]
    # Brute force: any 24 h window [s, s+24h) that contains `moment` holds more than cap posts?
    starts = [t for t in everything if moment - DAY < t <= moment]
    brute = any(sum(1 for t in everything if s <= t < s + DAY) > cap for s in starts)
    assert exceeds_rolling_cap(times, moment, cap) == brute


def test_schedule_refuses_a_slot_over_the_daily_cap(ctx: Context) -> None:
    w = make_world(ctx, require_approval=False)
    capped = accounts.connect_account(
        ctx, w.actor, w.workspace.id, "outbox", "capped", settings={"daily_publish_cap": 2}
    )
    start = ctx.now() + timedelta(days=1)
    for hours in (0, 3):
        post = posts.create_post(
            ctx, w.actor, w.workspace.id, f"post {hours}", [posts.VariantSpec(account_id=capped.id)]
        )
        scheduling.schedule_post(ctx, w.actor, post.id, start + timedelta(hours=hours))
    third = posts.create_post(
        ctx, w.actor, w.workspace.id, "one too many", [posts.VariantSpec(account_id=capped.id)]
    )
    with pytest.raises(ValidationFailed, match="2 published posts per 24 hours"):
        scheduling.schedule_post(ctx, w.actor, third.id, start + timedelta(hours=5))
    # A slot more than 24 hours after the first one is fine.
    scheduled = scheduling.schedule_post(ctx, w.actor, third.id, start + timedelta(hours=25))
    assert scheduled[0].scheduled_at == start + timedelta(hours=25)
