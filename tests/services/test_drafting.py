"""Drafting inside a workspace: targets from the accounts' connectors, the stored brand voice,
hashtag history from metrics, and posts made from accepted drafts (labelled, in review)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from clairon.content import BrandVoice, Draft, is_ai_generated
from clairon.domain import MetricSnapshot, Role, VariantStatus
from clairon.errors import NotFound, PermissionDenied, ValidationFailed
from clairon.services import accounts, drafting, metrics, posts, scheduling
from clairon.services.context import Context
from clairon.store import audit as audit_repo
from clairon.store import posts as post_repo
from tests.factories import add_member, make_world

GOLDEN = Path(__file__).parents[1] / "content" / "golden"
BRIEF = (GOLDEN / "01_ecobrew_launch.md").read_text(encoding="utf-8")


def test_drafts_follow_each_accounts_connector_limits(ctx: Context) -> None:
    world = make_world(ctx)
    short = accounts.connect_account(
        ctx, world.actor, world.workspace.id, "outbox", "short", settings={"max_length": 120}
    )
    drafts = drafting.draft_for_accounts(
        ctx, world.actor, world.workspace.id, BRIEF, [world.outbox.id, short.id], ["fr", "en"], 2
    )
    assert len(drafts) == 2 * 2 * 2
    assert {(d.account, d.language, d.ab_letter) for d in drafts} == {
        (str(a), lang, letter)
        for a in (world.outbox.id, short.id)
        for lang in ("fr", "en")
        for letter in "AB"
    }
    for d in drafts:
        assert d.ai_generated and d.backend == "local"
        if d.account == str(short.id):
            assert d.max_length == 120 and d.length <= 120
        assert "EcoBrew 3000" in d.text or "EcoBrew 3000" in " ".join(d.thread)


def test_brief_from_a_file_and_default_language(ctx: Context, tmp_path: Path) -> None:
    world = make_world(ctx)
    path = tmp_path / "brief.md"
    path.write_text(BRIEF, encoding="utf-8")
    [draft] = drafting.draft_for_accounts(ctx, world.actor, world.workspace.id, path,
                                          [world.outbox.id])  # fmt: skip
    assert draft.language == world.workspace.languages[0] == "fr"


def test_refusals(ctx: Context) -> None:
    world = make_world(ctx)
    other = make_world(ctx, "Other")
    ws = world.workspace.id
    with pytest.raises(ValidationFailed) as info:
        drafting.draft_for_accounts(ctx, world.actor, ws, BRIEF, [other.outbox.id])
    assert info.value.problems[0].location == "account_ids[0]"
    with pytest.raises(NotFound):
        drafting.draft_for_accounts(ctx, other.actor, ws, BRIEF, [world.outbox.id])
    with pytest.raises(ValidationFailed):
        drafting.draft_for_accounts(ctx, world.actor, ws, BRIEF, [world.outbox.id], ["f1"])
    with pytest.raises(ValidationFailed):
        drafting.draft_for_accounts(ctx, world.actor, ws, BRIEF, [world.outbox.id], n_variants=9)
    with pytest.raises(ValidationFailed):
        drafting.draft_for_accounts(ctx, world.actor, ws, "   ", [world.outbox.id])
    viewer = add_member(ctx, world, Role.viewer)
    with pytest.raises(PermissionDenied):
        drafting.draft_for_accounts(ctx, viewer, ws, BRIEF, [world.outbox.id])


def test_brand_voice_is_stored_validated_audited_and_used(ctx: Context) -> None:
    world = make_world(ctx)
    ws = world.workspace.id
    assert drafting.get_brand_voice(ctx, world.actor, ws) == BrandVoice()
    voice = BrandVoice(
        name="EcoBrew",
        dont_words=["baristas"],
        replacements={"baristas": "coffee pros"},
        required_hashtags=["#EcoBrew"],
        emoji_policy="none",
    )
    drafting.set_brand_voice(ctx, world.actor, ws, voice)
    assert drafting.get_brand_voice(ctx, world.actor, ws) == voice
    with ctx.store.transaction() as conn:
        events = audit_repo.list_events(conn, ws, object_type="workspace")
    [event] = [e for e in events if e.action == "workspace.brand_voice"]
    assert "dont_words" in event.after["changed"]
    with pytest.raises(ValidationFailed) as info:
        drafting.set_brand_voice(ctx, world.actor, ws, {"emoji_policy": "lots"})
    assert info.value.problems[0].location == "voice.emoji_policy"
    editor = add_member(ctx, world, Role.editor)
    with pytest.raises(PermissionDenied):
        drafting.set_brand_voice(ctx, editor, ws, voice)
    drafts = drafting.draft_for_accounts(ctx, editor, ws, BRIEF, [world.outbox.id], ["en"], 2)
    for d in drafts:
        assert "baristas" not in d.text.lower()
        assert "#EcoBrew" in d.text or d.flagged


def test_hashtag_history_comes_from_the_workspaces_metrics(ctx: Context) -> None:
    world = make_world(ctx, require_approval=False)
    actor, ws = world.actor, world.workspace.id
    for text in ("Hello #CoffeeLovers", "Again #CoffeeLovers", "Plain #Boring", "Still #Boring"):
        post = posts.create_post(ctx, actor, ws, text, [posts.VariantSpec(world.outbox.id)])
        vid = post.variants[0].id
        with ctx.store.transaction() as conn:
            post_repo.update_variant(conn, vid, status="published", published_at=ctx.now())
        rate = 50 if "Coffee" in text else 1
        metrics.record_metrics(ctx, [MetricSnapshot(vid, ctx.now(), impressions=100,
                                                    reactions=rate)])  # fmt: skip
    composer, _ = drafting._prepare(ctx, actor, ws, [world.outbox.id], ["en"], None)
    assert composer.history == {"#CoffeeLovers": 0.5, "#Boring": 0.01}


def test_stream_yields_text_then_the_checked_draft(ctx: Context) -> None:
    world = make_world(ctx)
    events = list(drafting.stream_for_account(ctx, world.actor, world.workspace.id, BRIEF,
                                              world.outbox.id, "en"))  # fmt: skip
    *pieces, draft = events
    assert isinstance(draft, Draft) and all(isinstance(p, str) for p in pieces)
    assert "".join(str(p) for p in pieces) == draft.text
    assert draft.account == str(world.outbox.id)


def test_accepted_drafts_become_a_labelled_post_that_needs_approval(ctx: Context) -> None:
    world = make_world(ctx)
    ws = world.workspace.id
    drafts = drafting.draft_for_accounts(ctx, world.actor, ws, BRIEF, [world.outbox.id],
                                         ["fr", "en"])  # fmt: skip
    edited = drafting.AcceptedDraft(world.outbox.id, drafts[1], text="EcoBrew 3000, le 12 mars.")
    post = drafting.create_post_from_drafts(ctx, world.actor, ws, [drafts[0], edited])
    first, second = post.variants
    assert [v.status for v in post.variants] == [VariantStatus.draft] * 2
    assert first.text == drafts[0].text and first.language == "fr"
    assert is_ai_generated(first.ai["labels"]) and first.ai["backend"] == "local"
    assert "edited_by_human" not in first.ai
    assert second.text == "EcoBrew 3000, le 12 mars." and second.ai["edited_by_human"] is True
    assert is_ai_generated(second.ai["labels"])
    at = ctx.now() + timedelta(days=1)
    with pytest.raises(ValidationFailed, match="approval is required"):
        scheduling.schedule_post(ctx, world.actor, post.id, at)
    posts.submit_for_review(ctx, world.actor, post.id)
    posts.approve_post(ctx, world.actor, post.id)
    assert {v.status for v in scheduling.schedule_post(ctx, world.actor, post.id, at)} == {
        VariantStatus.scheduled
    }


def test_a_draft_round_trips_and_a_stripped_label_is_restored(ctx: Context) -> None:
    world = make_world(ctx)
    [draft] = drafting.draft_for_accounts(ctx, world.actor, world.workspace.id, BRIEF,
                                          [world.outbox.id])  # fmt: skip
    back = drafting.draft_from_dict(draft.as_dict())
    assert back.variant_ai() == draft.variant_ai() and back.text == draft.text
    stripped = drafting.draft_from_dict({**draft.as_dict(), "labels": {}})
    ai = drafting.variant_ai_for(stripped)
    assert is_ai_generated(ai["labels"]) and ai["parts"] == ["caption"]
    post = drafting.create_post_from_drafts(ctx, world.actor, world.workspace.id, [stripped],
                                            submit=True)  # fmt: skip
    assert post.variants[0].status == VariantStatus.in_review
    assert is_ai_generated(post.variants[0].ai["labels"])


def test_a_human_edit_keeps_the_label_and_records_it(ctx: Context) -> None:
    world = make_world(ctx)
    [draft] = drafting.draft_for_accounts(ctx, world.actor, world.workspace.id, BRIEF,
                                          [world.outbox.id])  # fmt: skip
    post = drafting.create_post_from_drafts(ctx, world.actor, world.workspace.id, [draft])
    vid = post.variants[0].id
    same = posts.edit_variant(ctx, world.actor, vid, first_comment="")
    assert "edited_by_human" not in same.ai
    changed = posts.edit_variant(ctx, world.actor, vid, text="Rewritten by a person.")
    assert changed.ai["edited_by_human"] is True and is_ai_generated(changed.ai["labels"])
    with pytest.raises(ValidationFailed):
        drafting.create_post_from_drafts(ctx, world.actor, world.workspace.id, [])
