from __future__ import annotations

import json

from fastapi.testclient import TestClient

from clairon.domain import Role
from clairon.networks.base import RemoteComment
from clairon.services import inbox, knowledge, workspaces
from clairon.services.context import Actor, Context
from clairon.store import inbox as inbox_repo
from tests.factories import make_user
from tests.web.conftest import Seed, csrf_of, login, seed_workspace

ROWS = [
    {"id": "ship", "question": "How much does shipping cost?",
     "answer": "Shipping costs 4.90 euros, free from 60 euros.", "language": "en",
     "tags": ["shipping"]},
    {"id": "hours", "question": "What are your opening hours?",
     "answer": "We are open from 10 am to 7 pm, Monday to Saturday.", "language": "en"},
]  # fmt: skip
JSONL = "\n".join(json.dumps(r) for r in ROWS).encode()


def _upload(client: TestClient, ws_id: int, name: str, data: bytes, token: str | None) -> str:
    response = client.post(
        f"/w/{ws_id}/knowledge/upload",
        files={"file": (name, data)},
        data={"csrf_token": token} if token else {},
    )
    return f"{response.status_code} {response.text}"


def test_upload_list_delete_and_try(client: TestClient, ctx: Context, seed: Seed) -> None:
    login(client, seed.owner)
    ws_id = seed.workspace.id
    token = csrf_of(client.get(f"/w/{ws_id}/knowledge").text)
    assert _upload(client, ws_id, "kb.jsonl", JSONL, None).startswith("403")

    bad_csv = b"question,answer,language\nHow?,Like this.,en\n,No question,en\nWhy?,,fr\n"
    refused = _upload(client, ws_id, "kb.csv", bad_csv, token)
    assert refused.startswith("422") and "Nothing was imported" in refused
    assert "row 3" in refused and "row 4" in refused and "row 2" not in refused
    assert len(knowledge.list_kb(ctx, Actor(seed.owner.id), ws_id)) == 0
    assert "upload a .jsonl" in _upload(client, ws_id, "kb.txt", JSONL, token)

    page = _upload(client, ws_id, "kb.jsonl", JSONL, token)
    assert page.startswith("200") and "Imported 2 new" in page
    assert "How much does shipping cost?" in page
    assert "shipping</span>" in page

    tried = client.get(f"/w/{ws_id}/knowledge", params={"q": "how much is shipping?"}).text
    assert "Drafted reply" in tried and "<code>ship</code>" in tried
    assert "hand over to a human" in tried  # auto-send is off by default
    (expected,) = knowledge.answer_for_workspace(
        ctx, Actor(seed.owner.id), ws_id, ["how much is shipping?"]
    )
    assert expected.reason.replace("_", " ") in tried  # the decision's reason is shown

    deleted = client.post(
        f"/w/{ws_id}/knowledge/delete", data={"entry_id": "hours", "csrf_token": token}
    )
    assert deleted.status_code == 200 and "opening hours" not in deleted.text.split("<table")[1]
    assert [e.id for e in knowledge.list_kb(ctx, Actor(seed.owner.id), ws_id)] == ["ship"]


def test_other_workspace_and_readers(client: TestClient, ctx: Context, seed: Seed) -> None:
    other = seed_workspace(ctx, "Other")
    login(client, seed.owner)
    token = csrf_of(client.get(f"/w/{seed.workspace.id}/knowledge").text)
    assert client.get(f"/w/{other.workspace.id}/knowledge").status_code == 404
    assert _upload(client, other.workspace.id, "kb.jsonl", JSONL, token).startswith("404")
    client.post("/logout", data={"csrf_token": token})
    viewer = make_user(ctx, "viewer")
    workspaces.invite_member(
        ctx, Actor(seed.owner.id), seed.workspace.id, viewer.email, Role.viewer
    )
    login(client, viewer)  # viewers read the base but do not edit it
    page = client.get(f"/w/{seed.workspace.id}/knowledge")
    assert page.status_code == 200 and "Upload entries" not in page.text
    token = csrf_of(page.text)
    assert _upload(client, seed.workspace.id, "kb.jsonl", JSONL, token).startswith("403")


def test_assistant_settings_form(client: TestClient, ctx: Context, seed: Seed) -> None:
    login(client, seed.owner)
    ws_id = seed.workspace.id
    token = csrf_of(client.get(f"/w/{ws_id}/knowledge").text)
    url = f"/w/{ws_id}/knowledge/assistant"
    refused = client.post(url, data={"csrf_token": token, "auto_send": "1", "threshold": "abc",
                                     "synonyms": "loyalty club"})  # fmt: skip
    assert refused.status_code == 422 and "Nothing was saved" in refused.text
    assert "not a number" in refused.text
    assert "loyalty club" in refused.text  # what was typed is kept in the form
    assert knowledge.assistant_policy(ctx, Actor(seed.owner.id), ws_id).auto_send is False
    lines = client.post(url, data={"csrf_token": token, "threshold": "0.9",
                                   "synonyms": "ok: a\r\nloyalty club\r\n"})  # fmt: skip
    assert lines.status_code == 422 and "synonyms:line 2" in lines.text
    saved = client.post(url, data={"csrf_token": token, "auto_send": "1", "threshold": "0,9",
                                   "synonyms": "loyalty: club zorglub\r\n"})  # fmt: skip
    assert saved.status_code == 200 and "Assistant settings saved" in saved.text
    assert knowledge.assistant_policy(ctx, Actor(seed.owner.id), ws_id) == (
        knowledge.AssistantPolicy(True, 0.9, "loyalty: club zorglub\n")
    )
    client.post("/logout", data={"csrf_token": token})
    editor = make_user(ctx, "editor")
    workspaces.invite_member(ctx, Actor(seed.owner.id), ws_id, editor.email, Role.editor)
    login(client, editor)  # editors see the policy, only managers change it
    page = client.get(f"/w/{ws_id}/knowledge").text
    assert "Auto-send: <strong>on</strong>" in page and "Save settings" not in page
    token = csrf_of(page)
    assert client.post(url, data={"csrf_token": token, "threshold": "0.6"}).status_code == 403


def test_inbox_suggestion_for_questions(client: TestClient, ctx: Context, seed: Seed) -> None:
    owner = Actor(seed.owner.id)
    texts = ["How much does shipping cost to Lyon?", "Great coffee"]
    ids = inbox.ingest_comments(
        ctx,
        seed.outbox.id,
        [
            RemoteComment(
                network_item_id=f"q{i}",
                parent_network_id=None,
                author_handle="@q",
                text=text,
                created_at=ctx.now(),
            )
            for i, text in enumerate(texts)
        ],
    )
    with ctx.store.transaction() as conn:
        for item_id, intent in zip(ids, ["question", "praise"], strict=True):
            inbox_repo.update_item(
                conn, item_id, language="en", triage={"sentiment": "neutral", "intent": intent}
            )
    login(client, seed.owner)
    page = client.get(f"/w/{seed.workspace.id}/inbox").text
    assert f'hx-get="/inbox/{ids[0]}/suggestion"' in page
    assert f'hx-get="/inbox/{ids[1]}/suggestion"' not in page
    empty = client.get(f"/inbox/{ids[0]}/suggestion")
    assert empty.status_code == 200 and "No knowledge base yet" in empty.text

    from clairon.inbox.kb import parse_jsonl

    knowledge.import_kb(ctx, owner, seed.workspace.id, parse_jsonl(JSONL.decode()))
    fragment = client.get(f"/inbox/{ids[0]}/suggestion", headers={"HX-Request": "true"}).text
    assert "Suggested reply" in fragment and "<code>ship</code>" in fragment
    assert "confidence" in fragment

    other = seed_workspace(ctx, "Other")
    (foreign,) = inbox.ingest_comments(
        ctx,
        other.outbox.id,
        [RemoteComment("f", None, "@f", "Where are you?", ctx.now())],
    )
    assert client.get(f"/inbox/{foreign}/suggestion").status_code == 404
