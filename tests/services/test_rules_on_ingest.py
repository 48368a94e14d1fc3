"""The worker's triage job applies the workspace's enabled rules to the items it just labelled:
reversibly, audit-logged, and never for a rule in dry-run mode (stored disabled)."""

from __future__ import annotations

from datetime import timedelta

from clairon.networks.base import RemoteComment
from clairon.services import inbox, moderation, triage
from clairon.services.context import Context
from clairon.store import moderation as mod_repo
from clairon.worker import Runner
from tests.factories import make_world

LINK_HIDE = {"name": "links", "when": {"contains_link": True}, "actions": [{"type": "hide"}]}
DRY_LABEL = {
    "name": "dry",
    "enabled": False,
    "when": {"keywords": ["promo"]},
    "actions": [{"type": "label", "value": "promo"}, {"type": "delete"}],
}


def _run(ctx: Context) -> None:
    runner = Runner(ctx, poll_seconds=0.01)
    try:
        runner.run_until_idle()
    finally:
        runner.close()


def test_rules_act_on_new_items_reversibly_and_dry_run_rules_never_act(ctx: Context) -> None:
    w = make_world(ctx)
    moderation.save_rule(ctx, w.actor, w.workspace.id, LINK_HIDE)
    moderation.save_rule(ctx, w.actor, w.workspace.id, DRY_LABEL)
    now = ctx.now()
    texts = ["Big promo here https://spam.example.com/win", "Thanks, lovely promo today", "Hi"]
    inbox.ingest_comments(
        ctx,
        w.outbox.id,
        [
            RemoteComment(
                network_item_id=f"r{i}",
                parent_network_id=None,
                author_handle=f"@u{i}",
                text=text,
                created_at=now - timedelta(minutes=i),
            )
            for i, text in enumerate(texts)
        ],
    )
    _run(ctx)
    with ctx.store.transaction() as conn:
        by_text = {
            i.text: i for i in mod_repo.items_since(conn, w.workspace.id, now - timedelta(1))
        }
    spam, promo, hello = (by_text[t] for t in texts)
    assert spam.language is not None, "the triage job labelled the item first"
    assert spam.status == "hidden"
    assert promo.status == "open" and "promo" not in promo.labels  # dry-run: nothing changed
    assert "promo" not in spam.labels
    assert hello.status == "open"

    with ctx.store.transaction() as conn:
        event_id = mod_repo.latest_event_id(conn, w.workspace.id, "moderation.hide", str(spam.id))
        event = mod_repo.get_event(conn, event_id)
    assert event is not None and event.after["rule"] == "links"
    restored = moderation.undo_action(ctx, w.actor, event_id)
    assert restored.status == "open"

    # A later pass (new items arriving) does not hide the item again after the undo.
    inbox.ingest_comments(
        ctx,
        w.outbox.id,
        [
            RemoteComment(
                network_item_id="later",
                parent_network_id=None,
                author_handle="@late",
                text="see www.example.com",
                created_at=now - timedelta(hours=1),
            )
        ],
    )
    triage.triage_pending(ctx)  # what the periodic job runs next time
    with ctx.store.transaction() as conn:
        again = {i.text: i for i in mod_repo.items_since(conn, w.workspace.id, now - timedelta(1))}
    assert again[texts[0]].status == "open"
    assert again["see www.example.com"].status == "hidden"
