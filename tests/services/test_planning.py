from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from clairon.domain import VariantStatus
from clairon.errors import ValidationFailed
from clairon.services import planning, posts
from clairon.services.context import Actor, Context
from clairon.services.demo import seed_demo
from clairon.store import workspaces as ws_repo
from tests.factories import make_world


def test_plan_places_approved_posts_on_spaced_slots_and_applies(ctx: Context) -> None:
    seed_demo(ctx, weeks=8)
    with ctx.store.transaction() as conn:
        owner = ws_repo.get_user_by_email(conn, "demo@clairon.local")
    assert owner is not None
    actor = Actor(owner.id)
    ws_id = 1
    items, _ = posts.list_posts(ctx, actor, ws_id, status=VariantStatus.in_review)
    for p in items:
        posts.approve_post(ctx, actor, p.id)
    start = (ctx.now() + timedelta(days=1)).date()
    result = planning.plan_workspace(ctx, actor, ws_id, start, 2, cadence={"outbox": 2})
    assert result.items, result
    assert all("engagement" in i.explanation for i in result.items)
    by_account: dict[int, list] = {}
    for item in result.items:
        by_account.setdefault(item.account_id, []).append(item.start_utc)
    for times in by_account.values():
        times.sort()
        assert all(b - a >= timedelta(hours=3) for a, b in itertools.pairwise(times))
    scheduled = planning.apply_plan(ctx, actor, result)
    assert {v.status for v in scheduled} == {VariantStatus.scheduled}
    assert {v.id for v in scheduled} == {i.variant_id for i in result.items}


def test_thin_history_falls_back_to_priors_and_says_so(ctx: Context) -> None:
    w = make_world(ctx, require_approval=False)
    post = posts.create_post(
        ctx, w.actor, w.workspace.id, "Hello", [posts.VariantSpec(account_id=w.outbox.id)]
    )
    from clairon.services import scheduling

    variant = scheduling.schedule_post(ctx, w.actor, post.id, ctx.now() + timedelta(days=3))[0]
    scheduling.cancel_variant(ctx, w.actor, variant.id)
    result = planning.plan_workspace(
        ctx, w.actor, w.workspace.id, (ctx.now() + timedelta(days=1)).date(), 1
    )
    assert [i.variant_id for i in result.items] == [variant.id]
    assert any("prior" in note.lower() or "history" in note.lower() for note in result.notes)
    with pytest.raises(ValidationFailed, match="weeks"):
        planning.plan_workspace(ctx, w.actor, w.workspace.id, ctx.now().date(), 40)
