from __future__ import annotations

from fastapi.testclient import TestClient

from clairon.networks.base import RemoteComment
from clairon.services import inbox
from clairon.services.context import Actor, Context
from clairon.store import inbox as inbox_repo
from tests.web.conftest import Seed, csrf_of, login, seed_workspace


def _items(ctx: Context, seed: Seed) -> list[int]:
    now = ctx.now()
    labels = [
        ("Terrible service", "negative", "complaint", 80),
        ("Love it", "positive", "praise", 10),
        ("When do you open?", "neutral", "question", 40),
    ]
    ids = inbox.ingest_comments(
        ctx,
        seed.outbox.id,
        [
            RemoteComment(
                network_item_id=f"n{i}",
                parent_network_id=None,
                author_handle="@x",
                text=text,
                created_at=now,
            )
            for i, (text, *_rest) in enumerate(labels)
        ],
    )
    with ctx.store.transaction() as conn:
        for item_id, (_text, sentiment, intent, priority) in zip(ids, labels, strict=True):
            inbox_repo.update_item(
                conn,
                item_id,
                language="en",
                triage={
                    "sentiment": sentiment,
                    "intent": intent,
                    "priority": priority,
                    "stage": "fast",
                    "sentiment_proba": {sentiment: 0.9},
                },
            )
    return ids


def test_filters_sort_and_triage_labels(client: TestClient, ctx: Context, seed: Seed) -> None:
    _items(ctx, seed)
    login(client, seed.owner)
    base = f"/w/{seed.workspace.id}/inbox"
    negative = client.get(f"{base}?sentiment=negative").text
    assert "Terrible service" in negative and "Love it" not in negative
    assert "labelled by the fast stage" in negative
    questions = client.get(f"{base}?intent=question").text
    assert "When do you open?" in questions and "Terrible service" not in questions
    by_priority = client.get(f"{base}?sort=priority&min_priority=30").text
    assert by_priority.index("Terrible service") < by_priority.index("When do you open?")
    assert "Love it" not in by_priority


def test_bulk_actions_need_csrf_and_stay_in_the_workspace(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    ids = _items(ctx, seed)
    other = seed_workspace(ctx, "Other")
    foreign = _items(ctx, other)
    login(client, seed.owner)
    page = client.get(f"/w/{seed.workspace.id}/inbox")
    token = csrf_of(page.text)
    url = f"/w/{seed.workspace.id}/inbox/bulk"
    assert client.post(url, data={"status": "done", "item_ids": ids[:2]}).status_code == 403
    done = client.post(
        url,
        data={
            "status": "done",
            "item_ids": ids[:2],
            "csrf_token": token,
            "back": "status=open&sentiment=negative",
        },
        follow_redirects=False,
    )
    assert done.status_code in (302, 303)
    assert done.headers["location"].endswith("status=open&sentiment=negative")
    _items_done, total = inbox.list_inbox(
        ctx, Actor(seed.owner.id), seed.workspace.id, status="done"
    )
    assert total == 2
    refused = client.post(
        url, data={"status": "done", "item_ids": foreign[:1], "csrf_token": token}
    )
    assert refused.status_code == 404
    with ctx.store.transaction() as conn:
        still = inbox_repo.get_item(conn, foreign[0])
        mine = inbox_repo.get_item(conn, ids[2])
    assert still is not None and still.status == "open"
    assert mine is not None and mine.status == "open"  # all or nothing
