"""The worker's defence in depth: an AI-generated variant in a workspace that requires approval
is never published without a human approval on record, even when something put it on the
queue behind the scheduling service's back. An approved one is published and disclosed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clairon.content import Draft
from clairon.domain import VariantStatus
from clairon.services import drafting, posts, scheduling
from clairon.services.context import Context
from clairon.services.publishing import AI_NOT_APPROVED
from clairon.store import jobs as job_repo
from clairon.store import posts as post_repo
from clairon.worker import Runner
from tests.factories import World, make_world
from tests.worker.conftest import variant

BRIEF = "EcoBrew 3000 arrives on March 12, 2026. Learn more at https://ecobrew.example.com/3000."


def _ai_post(ctx: Context, world: World) -> int:
    drafts: list[Draft] = drafting.draft_for_accounts(
        ctx, world.actor, world.workspace.id, BRIEF, [world.outbox.id], ["en"]
    )
    return drafting.create_post_from_drafts(ctx, world.actor, world.workspace.id, drafts).id


def _force_scheduled(ctx: Context, variant_id: int) -> None:
    """What a buggy import or a hand-edited database could do: skip the scheduling rules."""
    now = ctx.now()
    with ctx.store.transaction() as conn:
        post_repo.update_variant(conn, variant_id, status="scheduled", scheduled_at=now)
        job_repo.enqueue_job(
            conn,
            scheduling.PUBLISH_JOB,
            {"variant_id": variant_id},
            run_at=now,
            now=now,
            dedupe_key=scheduling.publish_job_key(variant_id),
            max_attempts=3,
        )


def _run(ctx: Context) -> None:
    runner = Runner(ctx, periodic=False)
    runner.run_until_idle()
    runner.close()


def _outbox(ctx: Context) -> list[dict[str, Any]]:
    root: Path = ctx.settings.resolved_outbox_dir
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.json"))]


def test_unapproved_ai_variant_forced_onto_the_queue_is_not_published(ctx: Context) -> None:
    world = make_world(ctx)  # approval required (the default)
    post_id = _ai_post(ctx, world)
    [v] = posts.get_post(ctx, world.actor, post_id).variants
    _force_scheduled(ctx, v.id)
    _run(ctx)
    failed = variant(ctx, v.id)
    assert failed.status == VariantStatus.failed
    assert failed.error == AI_NOT_APPROVED
    assert failed.network_post_id is None
    assert _outbox(ctx) == []


def test_a_rejection_after_an_approval_blocks_it_again(ctx: Context) -> None:
    world = make_world(ctx)
    post_id = _ai_post(ctx, world)
    posts.submit_for_review(ctx, world.actor, post_id)
    posts.approve_post(ctx, world.actor, post_id)
    posts.reject_post(ctx, world.actor, post_id, "the date is wrong")
    [v] = posts.get_post(ctx, world.actor, post_id).variants
    _force_scheduled(ctx, v.id)
    _run(ctx)
    assert variant(ctx, v.id).status == VariantStatus.failed
    assert _outbox(ctx) == []


def test_approved_ai_variant_is_published_with_the_disclosure_flag(ctx: Context) -> None:
    world = make_world(ctx)
    post_id = _ai_post(ctx, world)
    posts.submit_for_review(ctx, world.actor, post_id)
    posts.approve_post(ctx, world.actor, post_id, "checked the facts")
    [v] = scheduling.schedule_post(ctx, world.actor, post_id, ctx.now())
    _run(ctx)
    published = variant(ctx, v.id)
    assert published.status == VariantStatus.published
    [record] = _outbox(ctx)
    assert record["variant_id"] == v.id and record["ai_generated"] is True
    assert record["text"] == published.text


def test_human_content_and_workspaces_without_the_policy_are_not_blocked(ctx: Context) -> None:
    strict = make_world(ctx, "Strict")
    human = posts.create_post(ctx, strict.actor, strict.workspace.id, "Written by a person",
                              [posts.VariantSpec(strict.outbox.id)])  # fmt: skip
    relaxed = make_world(ctx, "Relaxed", require_approval=False)
    ai_post = _ai_post(ctx, relaxed)
    ids = [human.variants[0].id, posts.get_post(ctx, relaxed.actor, ai_post).variants[0].id]
    for vid in ids:
        _force_scheduled(ctx, vid)
    _run(ctx)
    assert [variant(ctx, i).status for i in ids] == [VariantStatus.published] * 2
    flags = {r["variant_id"]: r["ai_generated"] for r in _outbox(ctx)}
    assert flags == {ids[0]: False, ids[1]: True}


def test_a_malformed_ai_record_counts_as_ai(ctx: Context) -> None:
    world = make_world(ctx)
    post = posts.create_post(ctx, world.actor, world.workspace.id, "Hand-made",
                             [posts.VariantSpec(world.outbox.id)])  # fmt: skip
    vid = post.variants[0].id
    with ctx.store.transaction() as conn:
        post_repo.update_variant(conn, vid, ai={"labels": {"caption": "yes"}})
    _force_scheduled(ctx, vid)
    _run(ctx)
    assert variant(ctx, vid).status == VariantStatus.failed
    assert _outbox(ctx) == []
