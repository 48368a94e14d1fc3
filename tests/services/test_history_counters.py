"""A post's history (audit events + review notes) and the composer's live text counters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clairon.domain import Role
from clairon.errors import NotFound
from clairon.services import accounts, history, posts, scheduling
from clairon.services.context import Context
from clairon.services.counters import count_text
from tests.factories import add_member, make_world


def test_history_lists_events_and_review_comments_in_order(ctx: Context) -> None:
    world = make_world(ctx)
    approver = add_member(ctx, world, Role.approver)
    post = posts.create_post(
        ctx, world.actor, world.workspace.id, "Bonjour", [posts.VariantSpec(world.outbox.id)]
    )
    posts.submit_for_review(ctx, world.actor, post.id)
    posts.reject_post(ctx, approver, post.id, "Trop court")
    posts.submit_for_review(ctx, world.actor, post.id)
    posts.approve_post(ctx, approver, post.id)
    scheduling.schedule_post(ctx, world.actor, post.id, ctx.now() + timedelta(days=1))

    entries = history.post_history(ctx, world.actor, post.id)
    actions = [e.action for e in entries if e.kind == "event"]
    assert actions == [
        "post.create",
        "post.submit",
        "post.reject",
        "post.submit",
        "post.approve",
        "variant.schedule",
    ]
    notes = [e for e in entries if e.kind == "note"]
    assert [n.action for n in notes] == [
        "review.submitted",
        "review.rejected",
        "review.submitted",
        "review.approved",
    ]
    assert notes[1].comment == "Trop court"
    assert notes[1].actor.startswith("approver")
    assert [e.at for e in entries] == sorted(e.at for e in entries)


def test_history_of_another_workspace_is_not_found(ctx: Context) -> None:
    acme, globex = make_world(ctx, "Acme"), make_world(ctx, "Globex")
    post = posts.create_post(
        ctx, globex.actor, globex.workspace.id, "Secret", [posts.VariantSpec(globex.outbox.id)]
    )
    with pytest.raises(NotFound):
        history.post_history(ctx, acme.actor, post.id)


def test_counts_follow_each_accounts_connector_rule(ctx: Context) -> None:
    world = make_world(ctx)
    short = accounts.connect_account(
        ctx, world.actor, world.workspace.id, "outbox", "short", settings={"max_length": 10}
    )
    counts = count_text(
        ctx, world.actor, world.workspace.id, [world.outbox.id, short.id, 999_999], "Bonjour à tous"
    )
    by_id = {c.account_id: c for c in counts}
    assert set(by_id) == {world.outbox.id, short.id}  # unknown ids are ignored
    assert by_id[short.id].length == len("Bonjour à tous")
    assert by_id[short.id].max_length == 10 and by_id[short.id].over
    assert by_id[short.id].remaining == 10 - len("Bonjour à tous")
    assert not by_id[world.outbox.id].over


def test_counts_never_reveal_another_workspaces_accounts(ctx: Context) -> None:
    acme, globex = make_world(ctx, "Acme"), make_world(ctx, "Globex")
    assert count_text(ctx, acme.actor, acme.workspace.id, [globex.outbox.id], "hi") == []
    with pytest.raises(NotFound):
        count_text(ctx, acme.actor, globex.workspace.id, [globex.outbox.id], "hi")
