"""Periodic jobs (token refresh, comment polling) and the slice to a real local Mastodon."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from clairon.domain import AccountStatus, VariantStatus
from clairon.errors import AuthExpired
from clairon.services import accounts, inbox
from clairon.services.context import Context
from clairon.store import accounts as account_repo
from clairon.worker import POLL_COMMENTS, REFRESH_TOKENS, JobRun, default_registry
from clairon.worker.runner import Runner
from tests.factories import World
from tests.networks.servers.mastodon_server import DEFAULT_TOKEN, MastodonServer
from tests.worker.conftest import Clock, Script, schedule, variant


def with_factory(ctx: Context, script: Script) -> Context:
    return replace(ctx, extras={**ctx.extras, "connector_factory": script.factory})


def credentials(ctx: Context, account_id: int) -> dict[str, str]:
    with ctx.store.transaction() as conn:
        token = account_repo.encrypted_credentials(conn, account_id)
    assert token is not None
    return ctx.cipher.decrypt(token)


def test_refresh_tokens_renews_expiring_tokens_and_keeps_the_refresh_token(
    tctx: Context, world: World, clock: Clock
) -> None:
    soon = accounts.connect_account(
        tctx,
        world.actor,
        world.workspace.id,
        "outbox",
        "soon",
        credentials={"access_token": "old", "refresh_token": "keep"},
        token_expires_at=clock.now + timedelta(minutes=10),
    )
    later = accounts.connect_account(
        tctx,
        world.actor,
        world.workspace.id,
        "outbox",
        "later",
        credentials={"access_token": "untouched", "refresh_token": "r"},
        token_expires_at=clock.now + timedelta(days=30),
    )
    new_expiry = clock.now + timedelta(hours=2)
    script = Script(refresh={"access_token": "new", "expires_at": new_expiry.isoformat()})
    again = default_registry.run(with_factory(tctx, script), REFRESH_TOKENS, 1, {})
    assert again is not None and again.delay == 600 and not again.counts  # periodic
    assert script.refreshes == 1
    assert credentials(tctx, soon.id) == {"access_token": "new", "refresh_token": "keep"}
    assert credentials(tctx, later.id)["access_token"] == "untouched"
    with tctx.store.transaction() as conn:
        stored = account_repo.get_account(conn, soon.id)
    assert stored is not None and stored.token_expires_at == new_expiry


def test_refused_refresh_marks_reconnect_needed_without_wiping(
    tctx: Context, world: World, clock: Clock
) -> None:
    acc = accounts.connect_account(
        tctx,
        world.actor,
        world.workspace.id,
        "outbox",
        "revoked",
        credentials={"access_token": "old", "refresh_token": "keep"},
        token_expires_at=clock.now + timedelta(minutes=1),
    )
    script = Script(refresh=AuthExpired("invalid_grant"))
    default_registry.run(with_factory(tctx, script), REFRESH_TOKENS, 1, {"every_seconds": None})
    with tctx.store.transaction() as conn:
        stored = account_repo.get_account(conn, acc.id)
    assert stored is not None and stored.status == AccountStatus.reconnect_needed
    assert credentials(tctx, acc.id) == {"access_token": "old", "refresh_token": "keep"}


@pytest.fixture
def mastodon_server() -> Iterator[MastodonServer]:
    with MastodonServer() as server:
        yield server


def test_publish_to_local_mastodon_then_comments_reach_the_inbox(
    ctx: Context, mastodon_server: MastodonServer
) -> None:
    from tests.factories import make_world

    world = make_world(ctx, "Slice", require_approval=False)
    acc = accounts.connect_account(
        ctx,
        world.actor,
        world.workspace.id,
        "mastodon",
        "alice",
        credentials={"access_token": DEFAULT_TOKEN},
        settings={"base_url": mastodon_server.url},
    )
    [vid] = schedule(ctx, world, ["Bonjour Mastodon, from the worker"], account_id=acc.id)
    runner = Runner(ctx, periodic=False)
    runner.run_until_idle()
    runner.close()
    v = variant(ctx, vid)
    assert v.status == VariantStatus.published
    [created] = mastodon_server.created_statuses()
    assert created["id"] == v.network_post_id
    assert created["idempotency_key"] == f"clairon-v{vid}-1"
    mastodon_server.add_reply(created["id"], "Super, merci !", author="bob")
    default_registry.run(ctx, POLL_COMMENTS, 1, {"every_seconds": None}, JobRun())
    default_registry.run(ctx, POLL_COMMENTS, 1, {"every_seconds": None}, JobRun())  # no dupes
    items, total = inbox.list_inbox(ctx, world.actor, world.workspace.id, variant_id=vid)
    assert total == 1
    assert items[0].author_handle.startswith("bob") and "merci" in items[0].text
