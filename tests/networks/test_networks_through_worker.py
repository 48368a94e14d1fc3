"""X and Bluesky end to end through the worker: a session created on the fly by the refresh
path, and an unknown outcome settled by the reconcile job."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from clairon.domain import Role, VariantStatus
from clairon.services import accounts, posts, scheduling
from clairon.services.context import Context
from clairon.worker import Runner
from tests.factories import add_member, make_world
from tests.networks.servers.bluesky_server import DID, HANDLE, PASSWORD, BlueskyServer
from tests.networks.servers.x_server import DEFAULT_TOKEN, XServer


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def x_server() -> Iterator[XServer]:
    with XServer() as server:
        yield server


@pytest.fixture
def bluesky_server() -> Iterator[BlueskyServer]:
    with BlueskyServer() as server:
        yield server


def _run(ctx: Context) -> None:
    runner = Runner(ctx, periodic=False, poll_seconds=0.01)
    try:
        runner.run_until_idle()
    finally:
        runner.close()


def _schedule(
    ctx: Context, network: str, credentials: dict[str, str], url: str, text: str
) -> tuple[Context, Clock, Any, Any]:
    """One approved post for one new account of ``network``, due now (returns the clock)."""
    clock = Clock(ctx.now())
    ctx = replace(ctx, clock=clock)
    w = make_world(ctx, f"Through the worker {network}")
    account = accounts.connect_account(
        ctx,
        w.actor,
        w.workspace.id,
        network,
        "claironcafe",
        credentials=credentials,
        settings={"base_url": url},
    )
    post = posts.create_post(
        ctx, w.actor, w.workspace.id, text, [posts.VariantSpec(account_id=account.id)]
    )
    posts.submit_for_review(ctx, w.actor, post.id)
    posts.approve_post(ctx, add_member(ctx, w, Role.approver), post.id, "ok")
    due = clock.now + timedelta(minutes=5)
    scheduling.schedule_post(ctx, w.actor, post.id, due)
    clock.now = due + timedelta(seconds=1)
    return ctx, clock, w, post


def test_bluesky_app_password_becomes_a_session_on_first_publish(
    ctx: Context, bluesky_server: BlueskyServer
) -> None:
    creds = {"identifier": HANDLE, "app_password": PASSWORD}
    ctx, _, w, post = _schedule(
        ctx, "bluesky", creds, bluesky_server.url, "Bonjour #Lyon https://example.org"
    )
    _run(ctx)
    (variant,) = posts.get_post(ctx, w.actor, post.id).variants
    assert variant.status == VariantStatus.published, variant.error
    (created,) = bluesky_server.created
    assert variant.network_post_id == created["uri"] and created["uri"].startswith(f"at://{DID}")
    assert [f["features"][0]["$type"] for f in created["record"]["facets"]] == [
        "app.bsky.richtext.facet#tag",
        "app.bsky.richtext.facet#link",
    ]
    stored = accounts.account_context(ctx, accounts.get_account(ctx, w.actor, variant.account_id))
    assert stored.credentials["did"] == DID and stored.credentials["app_password"] == PASSWORD


def test_x_lost_answer_is_unconfirmed_then_reconciled(ctx: Context, x_server: XServer) -> None:
    ctx, clock, w, post = _schedule(
        ctx, "x", {"access_token": DEFAULT_TOKEN}, x_server.url, "Launch day at the shop"
    )
    x_server.drop_after(path="/2/tweets")
    _run(ctx)
    (variant,) = posts.get_post(ctx, w.actor, post.id).variants
    assert variant.status == VariantStatus.unconfirmed, variant.error
    clock.now += timedelta(hours=1)
    _run(ctx)
    (variant,) = posts.get_post(ctx, w.actor, post.id).variants
    assert variant.status == VariantStatus.published, variant.error
    assert [c["id"] for c in x_server.created] == [variant.network_post_id]
