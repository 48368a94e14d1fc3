from __future__ import annotations

from fastapi.testclient import TestClient

from clairon.networks.base import RemoteComment
from clairon.services import inbox, users
from clairon.services.context import Context
from tests.api.conftest import Caller, table_dump
from tests.factories import make_world


def test_rules_and_knowledge_api(ctx: Context, client: TestClient) -> None:
    world = make_world(ctx)
    me = Caller(world.owner, users.issue_api_token(ctx, world.owner.id))
    base = f"/api/v1/workspaces/{world.workspace.id}"
    inbox.ingest_comments(
        ctx,
        world.outbox.id,
        [RemoteComment("c1", None, "@a", "win at https://x.example.com", ctx.now())],
    )
    bad = client.post(
        f"{base}/rules",
        headers=me.headers,
        json={"name": "", "when": {"regex": "("}, "actions": [{"type": "explode"}]},
    )
    assert bad.status_code == 422
    assert len(bad.json()["detail"]) == 3  # name, regex and action, all at once
    rule = {"name": "links", "enabled": False, "when": {"contains_link": True},
            "actions": [{"type": "hide"}]}  # fmt: skip
    assert client.post(f"{base}/rules", headers=me.headers, json=rule).status_code == 201
    assert client.get(f"{base}/rules", headers=me.headers).json() == [rule]
    before = table_dump(ctx)
    dry = client.post(f"{base}/rules/links/dry-run", headers=me.headers).json()
    assert [a["kind"] for a in dry["actions"]] == ["hide"] and dry["days"] == 30
    assert table_dump(ctx) == before
    missing = client.post(f"{base}/rules/nope/dry-run", headers=me.headers)
    assert missing.status_code == 404

    rows = [
        {"id": "ship", "question": "Shipping cost?", "answer": "4.90 euros.", "language": "en"},
        {"question": "", "answer": "no question", "language": "en"},
    ]
    refused = client.post(f"{base}/knowledge", headers=me.headers, json={"entries": rows})
    assert refused.status_code == 422 and "row 2" in refused.text
    assert client.get(f"{base}/knowledge", headers=me.headers).json() == []
    done = client.post(f"{base}/knowledge", headers=me.headers, json={"entries": rows[:1]})
    assert done.json() == {"added": 1, "updated": 0}
    (entry,) = client.get(f"{base}/knowledge", headers=me.headers).json()
    assert entry["id"] == "ship" and entry["tags"] == []


def test_assistant_policy_api(ctx: Context, client: TestClient) -> None:
    world = make_world(ctx)
    me = Caller(world.owner, users.issue_api_token(ctx, world.owner.id))
    url = f"/api/v1/workspaces/{world.workspace.id}/assistant"
    assert client.get(url, headers=me.headers).json() == {
        "auto_send": False, "threshold": 0.8, "synonyms": ""
    }  # fmt: skip
    bad = client.put(url, headers=me.headers, json={"threshold": 2, "synonyms": "no colon"})
    assert bad.status_code == 422
    assert "threshold" in bad.text and "synonyms:line 1" in bad.text
    good = {"auto_send": True, "threshold": 0.9, "synonyms": "loyalty: club zorglub"}
    assert client.put(url, headers=me.headers, json=good).json() == good
    assert client.get(url, headers=me.headers).json() == good
