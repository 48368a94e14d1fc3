"""The foundation's vertical slice, end to end in one test:
create a post → variants for outbox and Mastodon → review → approve → schedule → the worker
publishes at the due time to a local Mastodon server → comments on that status appear in the
workspace inbox (read by the worker's comment-polling job)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from clairon.domain import Role, VariantStatus
from clairon.services import accounts, inbox, posts, scheduling
from clairon.services.context import Context
from clairon.store import jobs as job_repo
from clairon.worker import POLL_COMMENTS, Runner
from clairon.worker.jobs import PollCommentsPayload
from tests.factories import add_member, make_world
from tests.networks.servers.mastodon_server import DEFAULT_TOKEN, MastodonServer


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def mastodon_server(tmp_path: Path) -> Iterator[MastodonServer]:
    with MastodonServer(log_path=tmp_path / "mastodon.jsonl") as server:
        yield server


def test_post_reaches_mastodon_at_due_time_and_comments_reach_inbox(
    ctx: Context, mastodon_server: MastodonServer
) -> None:
    clock = Clock(ctx.now())
    ctx = replace(ctx, clock=clock)
    w = make_world(ctx, "Slice")
    masto = accounts.connect_account(
        ctx,
        w.actor,
        w.workspace.id,
        "mastodon",
        "alice",
        credentials={"access_token": DEFAULT_TOKEN},
        settings={"base_url": mastodon_server.url},
    )
    post = posts.create_post(
        ctx,
        w.actor,
        w.workspace.id,
        "Lancement du nouveau site 🎉 https://example.org/news",
        [
            posts.VariantSpec(account_id=w.outbox.id, language="fr"),
            posts.VariantSpec(account_id=masto.id, language="fr"),
        ],
    )
    assert {v.network for v in post.variants} == {"outbox", "mastodon"}
    posts.submit_for_review(ctx, w.actor, post.id)
    approver = add_member(ctx, w, Role.approver)
    posts.approve_post(ctx, approver, post.id, "Parfait")
    due = clock.now + timedelta(minutes=30)
    scheduling.schedule_post(ctx, w.actor, post.id, due)

    def run_worker_until_idle() -> None:
        runner = Runner(ctx, periodic=False, poll_seconds=0.01)
        try:
            runner.run_until_idle()
        finally:
            runner.close()

    run_worker_until_idle()  # nothing is due yet
    assert mastodon_server.created_statuses() == []
    assert posts.get_post(ctx, w.actor, post.id).status == VariantStatus.scheduled
    clock.now = due + timedelta(seconds=1)
    run_worker_until_idle()
    published = posts.get_post(ctx, w.actor, post.id)
    assert [v.status for v in published.variants] == [VariantStatus.published] * 2, [
        (v.network, v.status, v.error) for v in published.variants
    ]
    created = mastodon_server.created_statuses()
    assert len(created) == 1
    masto_variant = next(v for v in published.variants if v.network == "mastodon")
    assert masto_variant.network_post_id == str(created[0]["id"])
    assert masto_variant.network_url
    outbox_variant = next(v for v in published.variants if v.network == "outbox")
    record = json.loads(Path(outbox_variant.network_url.removeprefix("file://")).read_text())
    assert record["text"].startswith("Lancement")

    assert masto_variant.network_post_id is not None
    mastodon_server.add_reply(masto_variant.network_post_id, "Bravo, superbe site !", "bob")
    mastodon_server.add_reply(masto_variant.network_post_id, "Is it in English too?", "eve")
    with ctx.store.transaction() as conn:
        job_repo.enqueue_job(
            conn,
            POLL_COMMENTS,
            PollCommentsPayload(every_seconds=None).model_dump(),
            run_at=clock.now,
            now=clock.now,
        )
    run_worker_until_idle()

    items, total = inbox.list_inbox(ctx, w.actor, w.workspace.id)
    assert total == 2
    assert {i.text for i in items} == {"Bravo, superbe site !", "Is it in English too?"}
    assert all(i.variant_id == masto_variant.id and i.network == "mastodon" for i in items)
    # Polling again never duplicates.
    assert inbox.poll_variant_comments(ctx, masto_variant.id) == []
