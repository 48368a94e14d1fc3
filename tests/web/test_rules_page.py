from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clairon.networks.base import RemoteComment
from clairon.services import inbox, moderation
from clairon.services.context import Actor, Context
from clairon.store import inbox as inbox_repo
from clairon.store.tables import metadata
from tests.web.conftest import Seed, csrf_of, login, seed_workspace

LINKS = '{"name": "links", "when": {"contains_link": true}, "actions": [{"type": "hide"}]}'


def _items(ctx: Context, seed: Seed) -> list[int]:
    texts = ["Win big at https://scam.example.com", "Lovely coffee", "see www.spam.fr now"]
    ids = inbox.ingest_comments(
        ctx,
        seed.outbox.id,
        [
            RemoteComment(
                network_item_id=f"n{i}",
                parent_network_id=None,
                author_handle=f"@a{i}",
                text=text,
                created_at=ctx.now(),
            )
            for i, text in enumerate(texts)
        ],
    )
    with ctx.store.transaction() as conn:
        for item_id in ids:
            inbox_repo.update_item(conn, item_id, language="en", triage={"sentiment": "neutral"})
    return ids


def _dump(ctx: Context) -> dict[str, list[Any]]:
    with ctx.store.transaction() as conn:
        return {
            name: sorted(map(repr, conn.execute(select(table)).all()))
            for name, table in metadata.tables.items()
        }


def test_rules_page_saves_shows_faults_and_dry_run_writes_nothing(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    _items(ctx, seed)
    login(client, seed.owner)
    base = f"/w/{seed.workspace.id}/rules"
    token = csrf_of(client.get(base).text)
    bad = client.post(
        base,
        data={
            "definition": '{"name": "", "when": {"sentiment": "neg"}, "actions": [{"type": "x"}]}',
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422
    assert "a rule needs a name" in bad.text
    assert "needs a non-empty list of strings" in bad.text
    assert "unknown action" in bad.text
    broken = client.post(base, data={"definition": "{oops", "csrf_token": token})
    assert broken.status_code == 422 and "invalid JSON" in broken.text
    assert moderation.list_rules(ctx, Actor(seed.owner.id), seed.workspace.id) == []

    assert client.post(base, data={"definition": LINKS, "csrf_token": token}).status_code == 200
    page = client.get(base).text
    assert "links" in page and "contains a link" in page and "active" in page

    before = _dump(ctx)
    dry = client.post(f"{base}/dry-run", data={"name": "links", "csrf_token": token})
    assert dry.status_code == 200
    assert "2 action(s) would have been taken" in dry.text
    assert "scam.example.com" in dry.text and "Lovely coffee" not in dry.text.split("dry-h")[1]
    unsaved = client.post(
        f"{base}/dry-run",
        data={
            "definition": LINKS.replace("links", "draft").replace("contains_link", "emoji_only"),
            "csrf_token": token,
        },
    )
    assert unsaved.status_code == 200 and "0 action(s) would have been taken" in unsaved.text
    assert _dump(ctx) == before  # nothing written, not even an audit event


def test_undo_restores_and_mode_switch(client: TestClient, ctx: Context, seed: Seed) -> None:
    ids = _items(ctx, seed)
    owner = Actor(seed.owner.id)
    moderation.save_rule(
        ctx, owner, seed.workspace.id, {"name": "links", "when": {"contains_link": True},
                                        "actions": [{"type": "hide"}]}
    )  # fmt: skip
    applied = moderation.apply_rules(ctx, owner, seed.workspace.id)
    assert {a.item_id for a in applied} == {ids[0], ids[2]}
    login(client, seed.owner)
    base = f"/w/{seed.workspace.id}/rules"
    page = client.get(base).text
    token = csrf_of(page)
    assert page.count(">Undo</button>") == 2
    event = applied[0].event_id
    assert client.post(f"{base}/undo", data={"event_id": event}).status_code == 403
    done = client.post(f"{base}/undo", data={"event_id": event, "csrf_token": token})
    assert done.status_code == 200 and "undone" in done.text
    with ctx.store.transaction() as conn:
        item = inbox_repo.get_item(conn, applied[0].item_id)
    assert item is not None and item.status == "open"
    again = client.post(f"{base}/undo", data={"event_id": event, "csrf_token": token})
    assert "already undone" in again.text

    client.post(f"{base}/mode", data={"name": "links", "enabled": "false", "csrf_token": token})
    (rule,) = moderation.list_rules(ctx, owner, seed.workspace.id)
    assert rule.enabled is False
    assert "dry-run only" in client.get(base).text


def test_other_workspace_and_readers(client: TestClient, ctx: Context, seed: Seed) -> None:
    other = seed_workspace(ctx, "Other")
    foreign = _items(ctx, other)
    owner = Actor(other.owner.id)
    moderation.save_rule(
        ctx, owner, other.workspace.id, {"name": "links", "when": {"contains_link": True},
                                         "actions": [{"type": "hide"}]}
    )  # fmt: skip
    (applied, *_rest) = moderation.apply_rules(ctx, owner, other.workspace.id)
    assert applied.item_id in foreign
    login(client, seed.owner)
    token = csrf_of(client.get(f"/w/{seed.workspace.id}/rules").text)
    assert client.get(f"/w/{other.workspace.id}/rules").status_code == 404
    foreign_undo = client.post(
        f"/w/{seed.workspace.id}/rules/undo",
        data={"event_id": applied.event_id, "csrf_token": token},
    )
    assert foreign_undo.status_code == 404
    client.post("/logout", data={"csrf_token": token})

    login(client, seed.editor)  # editors read rules but may not change them
    page = client.get(f"/w/{seed.workspace.id}/rules")
    assert page.status_code == 200 and "Save rule" not in page.text
    token = csrf_of(page.text)
    refused = client.post(
        f"/w/{seed.workspace.id}/rules", data={"definition": LINKS, "csrf_token": token}
    )
    assert refused.status_code == 403
    assert re.search(r"owners and admins", refused.text)
