from __future__ import annotations

from datetime import timedelta

from clairon.networks.base import RemoteComment
from clairon.services import inbox, triage, workspaces
from clairon.services.context import Context
from clairon.worker import Runner
from tests.factories import make_world


def _comments(ctx: Context) -> list[RemoteComment]:
    now = ctx.now()
    texts = [
        "J'adore ce produit, merci !!! 😍",
        "Service client nul, colis abîmé, je suis très déçue 😡 remboursez-moi",
        "Écrivez-moi à jean.dupont@example.org ou au 06 12 34 56 78",
        "Where can I buy the new beans?",
        "",
    ]
    return [
        RemoteComment(
            network_item_id=f"c{i}",
            parent_network_id="p",
            author_handle="@a",
            text=t,
            created_at=now - timedelta(minutes=i),
            author_followers=50,
        )
        for i, t in enumerate(texts)
    ]


def test_worker_labels_new_items_and_rules_override(ctx: Context) -> None:
    w = make_world(ctx)
    with ctx.store.transaction() as conn:
        from clairon.store import workspaces as ws_repo

        ws_repo.update_workspace(
            conn, w.workspace.id, settings={"sentiment_overrides": {"where can i buy": "positive"}}
        )
    inbox.ingest_comments(ctx, w.outbox.id, _comments(ctx))
    runner = Runner(ctx, poll_seconds=0.01)
    try:
        runner.run_until_idle()
    finally:
        runner.close()
    items, total = inbox.list_inbox(ctx, w.actor, w.workspace.id, limit=10)
    assert total == 5
    by_text = {i.text: i for i in items}
    happy = by_text["J'adore ce produit, merci !!! 😍"]
    assert happy.language == "fr" and happy.triage["sentiment"] == "positive"
    angry = by_text["Service client nul, colis abîmé, je suis très déçue 😡 remboursez-moi"]
    assert angry.triage["sentiment"] == "negative"
    assert angry.triage["priority"] > happy.triage["priority"]
    assert set(
        by_text["Écrivez-moi à jean.dupont@example.org ou au 06 12 34 56 78"].triage["pii"]
    ) >= {"email", "phone"}
    assert by_text["Where can I buy the new beans?"].triage["sentiment"] == "positive"
    assert by_text["Where can I buy the new beans?"].triage["stage"] == "rule"
    assert by_text[""].triage["sentiment"] == "unknown" and by_text[""].triage["error"]
    assert all(i.triage["stage"] in ("fast", "second", "rule") for i in items)


def test_triage_since_relabels_a_period(ctx: Context) -> None:
    w = make_world(ctx)
    inbox.ingest_comments(ctx, w.outbox.id, _comments(ctx)[:2])
    summary = triage.triage_since(ctx, w.actor, w.workspace.id, ctx.now() - timedelta(days=1))
    assert summary.labelled == 2
    assert sum(summary.by_sentiment.values()) == 2
    items, _ = inbox.list_inbox(ctx, w.actor, w.workspace.id)
    assert all(i.language for i in items)
    assert workspaces.get_workspace(ctx, w.actor, w.workspace.id)
