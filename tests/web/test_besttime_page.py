from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from clairon.domain import MetricSnapshot, VariantStatus
from clairon.services import metrics, posts
from clairon.services.context import Actor, Context
from clairon.store import posts as post_repo
from tests.web.conftest import Seed, login, seed_workspace


def _history(ctx: Context, seed: Seed, n: int) -> None:
    """n published posts at 10:00 UTC with metrics (the store is the only way to backdate)."""
    now = ctx.now()
    actor = Actor(seed.owner.id)
    for i in range(n):
        when = (now - timedelta(days=3 * i + 3)).replace(hour=10, minute=0)
        post = posts.create_post(
            ctx,
            actor,
            seed.workspace.id,
            f"post {i}",
            [posts.VariantSpec(account_id=seed.outbox.id)],
        )
        vid = post.variants[0].id
        with ctx.store.transaction() as conn:
            post_repo.update_variant(
                conn,
                vid,
                status=VariantStatus.published.value,
                scheduled_at=when,
                published_at=when,
            )
        metrics.record_metrics(
            ctx,
            [
                MetricSnapshot(
                    variant_id=vid,
                    observed_at=when + timedelta(days=2),
                    impressions=1000 + i,
                    reactions=30 + i,
                )
            ],
        )


def test_heat_map_and_explained_slots(client: TestClient, ctx: Context, seed: Seed) -> None:
    _history(ctx, seed, 12)
    login(client, seed.owner)
    page = client.get(f"/w/{seed.workspace.id}/best-time?account_id={seed.outbox.id}")
    assert page.status_code == 200
    assert 'class="heat"' in page.text and "Monday" in page.text
    assert "engagement (90% interval" in page.text
    assert "based on 12 posts" in page.text


def test_thin_history_says_it_uses_priors(client: TestClient, ctx: Context, seed: Seed) -> None:
    _history(ctx, seed, 2)
    login(client, seed.owner)
    page = client.get(f"/w/{seed.workspace.id}/best-time")
    assert page.status_code == 200 and "priors" in page.text


def test_next_best_slot_prefills_the_schedule_form(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    owner = Actor(seed.owner.id)
    post = posts.create_post(
        ctx, owner, seed.workspace.id, "hello", [posts.VariantSpec(account_id=seed.outbox.id)]
    )
    posts.submit_for_review(ctx, owner, post.id)
    posts.approve_post(ctx, owner, post.id)
    login(client, seed.owner)
    answer = client.get(f"/posts/{post.id}/next-best-slot", follow_redirects=False)
    assert answer.status_code in (302, 303)
    target = answer.headers["location"]
    assert "suggest=" in target
    suggested = target.split("suggest=")[1]
    page = client.get(target)
    assert f'value="{suggested}"' in page.text and "Suggested:" in page.text


def test_other_workspace_best_time_is_404(client: TestClient, ctx: Context, seed: Seed) -> None:
    other = seed_workspace(ctx, "Other")
    login(client, seed.owner)
    assert client.get(f"/w/{other.workspace.id}/best-time").status_code == 404
