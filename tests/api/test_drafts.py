"""Drafting through the HTTP API: drafts, a streamed draft, accepting drafts into a post that
cannot be scheduled before a human approves it, the brand voice, and backend failures."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from fastapi.testclient import TestClient

from clairon.api import create_app
from clairon.content import is_ai_generated
from clairon.domain import Role
from clairon.services import users
from clairon.services.context import Context
from tests.api.conftest import Caller
from tests.factories import World, add_member, make_world

BRIEF = (
    "# Lumen Arc\n\nLumen Arc, our new desk lamp, ships on April 1, 2026. It dims itself at "
    "sunset and lasts ten years. From 89 €. Details: https://lumen.example.com/arc\n"
)


def _owner(ctx: Context, world: World) -> Caller:
    return Caller(world.owner, users.issue_api_token(ctx, world.owner.id))


def _drafts(client: TestClient, caller: Caller, world: World, **body: object) -> list[dict]:  # type: ignore[type-arg]
    payload = {"brief": BRIEF, "account_ids": [world.outbox.id], **body}
    r = client.post(
        f"/api/v1/workspaces/{world.workspace.id}/drafts", json=payload, headers=caller.headers
    )
    assert r.status_code == 200, r.text
    drafts: list[dict] = r.json()  # type: ignore[type-arg]
    return drafts


def test_drafts_are_labelled_and_checked(ctx: Context, client: TestClient) -> None:
    world = make_world(ctx)
    owner = _owner(ctx, world)
    drafts = _drafts(client, owner, world, languages=["fr", "en"], variants=2)
    assert [(d["language"], d["ab_letter"]) for d in drafts] == [
        ("fr", "A"), ("fr", "B"), ("en", "A"), ("en", "B"),
    ]  # fmt: skip
    for d in drafts:
        assert d["account_id"] == world.outbox.id and d["network"] == "outbox"
        assert d["ai_generated"] is True and is_ai_generated(d["labels"])
        assert d["backend"] == "local" and d["model"]
        assert "Lumen Arc" in d["text"] and d["length"] <= d["max_length"]
    assert drafts[1]["difference"] != drafts[0]["difference"]


def test_stream_sends_text_pieces_then_the_draft(ctx: Context, client: TestClient) -> None:
    world = make_world(ctx)
    owner = _owner(ctx, world)
    with client.stream(
        "POST",
        f"/api/v1/workspaces/{world.workspace.id}/drafts/stream",
        json={"brief": BRIEF, "account_id": world.outbox.id, "language": "en"},
        headers=owner.headers,
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in r.iter_lines() if line]
    *deltas, last = lines
    assert len(deltas) > 3 and all(set(d) == {"delta"} for d in deltas)
    assert "".join(d["delta"] for d in deltas) == last["draft"]["text"]
    assert last["draft"]["ai_generated"] is True


def test_accepted_drafts_need_approval_before_scheduling(ctx: Context, client: TestClient) -> None:
    world = make_world(ctx)  # approval required
    owner = _owner(ctx, world)
    ws = world.workspace.id
    first, second = _drafts(client, owner, world, languages=["fr", "en"])
    second["edited_text"] = "Lumen Arc : le 1er avril 2026."
    r = client.post(
        f"/api/v1/workspaces/{ws}/drafts/accept",
        json={"drafts": [first, second], "title": "Lumen Arc launch"},
        headers=owner.headers,
    )
    assert r.status_code == 201, r.text
    post = r.json()
    assert post["status"] == "draft" and post["title"] == "Lumen Arc launch"
    v1, v2 = post["variants"]
    assert v1["text"] == first["text"] and v2["text"] == second["edited_text"]
    assert is_ai_generated(v1["ai"]["labels"]) and is_ai_generated(v2["ai"]["labels"])
    assert "edited_by_human" not in v1["ai"] and v2["ai"]["edited_by_human"] is True
    at = {"scheduled_at": (ctx.now() + timedelta(days=2)).isoformat()}
    r = client.post(f"/api/v1/posts/{post['id']}/schedule", json=at, headers=owner.headers)
    assert r.status_code == 422
    assert "approval is required" in r.json()["detail"][0]["msg"]
    r = client.post(
        f"/api/v1/variants/{v1['id']}/schedule", json=at, headers=owner.headers
    )  # one variant alone is refused too
    assert r.status_code == 422
    for step in ("submit", "approve"):
        r = client.post(f"/api/v1/posts/{post['id']}/{step}", headers=owner.headers)
        assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/posts/{post['id']}/schedule", json=at, headers=owner.headers)
    assert r.status_code == 200, r.text
    assert {v["status"] for v in r.json()} == {"scheduled"}


def test_editing_an_ai_variant_through_the_api_records_it(ctx: Context, client: TestClient) -> None:
    world = make_world(ctx)
    owner = _owner(ctx, world)
    [draft] = _drafts(client, owner, world)
    r = client.post(
        f"/api/v1/workspaces/{world.workspace.id}/drafts/accept",
        json={"drafts": [{**draft, "labels": {}}], "submit": True},
        headers=owner.headers,
    )
    post = r.json()
    [v] = post["variants"]
    assert v["status"] == "in_review" and is_ai_generated(v["ai"]["labels"])  # label restored
    r = client.patch(
        f"/api/v1/variants/{v['id']}", json={"text": "Mine now."}, headers=owner.headers
    )
    assert r.status_code == 200
    edited = r.json()
    assert edited["ai"]["edited_by_human"] is True and edited["status"] == "draft"


def test_brand_voice_get_put_validate_and_permissions(ctx: Context, client: TestClient) -> None:
    world = make_world(ctx)
    owner = _owner(ctx, world)
    url = f"/api/v1/workspaces/{world.workspace.id}/brand-voice"
    assert client.get(url, headers=owner.headers).json()["emoji_policy"] == "few"
    voice = {"name": "Lumen", "dont_words": ["cheap"], "required_hashtags": ["#LumenArc"]}
    r = client.put(url, json=voice, headers=owner.headers)
    assert r.status_code == 200 and r.json()["required_hashtags"] == ["#LumenArc"]
    assert client.get(url, headers=owner.headers).json()["name"] == "Lumen"
    for d in _drafts(client, owner, world, languages=["en"], variants=2):
        assert "#LumenArc" in d["text"] or d["flagged"]
    r = client.put(url, json={"emoji_policy": "lots"}, headers=owner.headers)
    assert r.status_code == 422
    r = client.put(url, json={"unknown": 1}, headers=owner.headers)
    assert r.status_code == 422
    editor_actor = add_member(ctx, world, Role.editor)
    assert editor_actor.user_id is not None
    editor = Caller(users.get_user(ctx, editor_actor.user_id),
                    users.issue_api_token(ctx, editor_actor.user_id))  # fmt: skip
    assert client.put(url, json=voice, headers=editor.headers).status_code == 403
    assert client.get(url, headers=editor.headers).status_code == 200


def test_bad_requests(ctx: Context, client: TestClient) -> None:
    world, other = make_world(ctx), make_world(ctx, "Other")
    owner = _owner(ctx, world)
    ws = world.workspace.id
    r = client.post(
        f"/api/v1/workspaces/{ws}/drafts",
        json={"brief": BRIEF, "account_ids": [other.outbox.id]},
        headers=owner.headers,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["account_ids", 0]
    r = client.post(
        f"/api/v1/workspaces/{ws}/drafts/stream",
        json={"brief": BRIEF, "account_id": other.outbox.id},
        headers=owner.headers,
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/workspaces/{ws}/drafts",
        json={"brief": BRIEF, "account_ids": [world.outbox.id], "variants": 6},
        headers=owner.headers,
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/workspaces/{ws}/drafts/accept",
        json={"drafts": [{"account_id": other.outbox.id, "language": "fr", "text": "x"}]},
        headers=owner.headers,
    )
    assert r.status_code == 422


def test_backend_failure_is_a_502_or_an_error_line(ctx: Context) -> None:
    down = ctx.settings.model_copy(
        update={"ai_backend": "openai_compat", "ai_base_url": "http://127.0.0.1:9/v1",
                "ai_model": "tiny", "ai_max_retries": 0, "ai_timeout_seconds": 2.0}
    )  # fmt: skip
    dctx = replace(ctx, settings=down)
    world = make_world(dctx)
    owner = _owner(dctx, world)
    with TestClient(create_app(ctx=dctx)) as client:
        r = client.post(
            f"/api/v1/workspaces/{world.workspace.id}/drafts",
            json={"brief": BRIEF, "account_ids": [world.outbox.id]},
            headers=owner.headers,
        )
        assert r.status_code == 502 and "AI server unreachable" in r.json()["detail"]
        r = client.post(
            f"/api/v1/workspaces/{world.workspace.id}/drafts/stream",
            json={"brief": BRIEF, "account_id": world.outbox.id},
            headers=owner.headers,
        )
        assert r.status_code == 200
        [line] = [json.loads(x) for x in r.text.splitlines() if x]
        assert set(line) == {"error"} and "unreachable" in line["error"]
