"""The composer's "Draft with AI" panel through HTTP: the streamed NDJSON, the page without
JavaScript, the live counter, accepting drafts, the AI badge, and CSRF."""

from __future__ import annotations

import json
import re
from html import unescape

from fastapi.testclient import TestClient

from clairon.content import Draft, Violation, is_ai_generated
from clairon.domain import VariantStatus
from clairon.services import posts
from clairon.services.context import Actor, Context
from clairon.web.drafting import _segments
from tests.web.conftest import Seed, login, seed_workspace

BRIEF = (
    "Lumen Arc, our new desk lamp, ships on April 1, 2026. Write to press@lumen.example.com. "
    "Details: https://lumen.example.com/arc"
)


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_the_composer_shows_the_panel(client: TestClient, seed: Seed) -> None:
    login(client, seed.editor)
    page = client.get(f"/w/{seed.workspace.id}/compose").text
    assert 'id="ai-form"' in page and "/static/drafting.js" in page
    assert f"AI draft for outbox · {seed.short.handle}" in page


def test_stream_then_accept_creates_a_labelled_post(
    ctx: Context, client: TestClient, seed: Seed
) -> None:
    csrf = login(client, seed.editor)
    ws = seed.workspace.id
    form = {"csrf_token": csrf, "brief": BRIEF, "account_ids": [str(seed.short.id)],
            "languages": ["en", "fr"], "variants": "2"}  # fmt: skip
    r = client.post(f"/w/{ws}/drafts/stream", data=form)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    events = _lines(r.text)
    assert [e["target"] for e in events if "target" in e] == [
        f"outbox · {seed.short.handle} (en)",
        f"outbox · {seed.short.handle} (fr)",
    ]
    assert sum(1 for e in events if "delta" in e) > 5 and events[-1] == {"done": True, "count": 4}
    cards = "".join(str(e["cards"]) for e in events if "cards" in e)
    assert cards.count('class="ai-card') == 4 and "AI-assisted (local," in cards
    payloads = [unescape(p) for p in re.findall(r'name="draft_(?:\d)" value="([^"]*)"', cards)]
    assert len(payloads) == 4
    accepted = {"csrf_token": csrf, "title": "Lamp", "intent": "submit", "accept": ["0", "3"],
                "draft_0": payloads[0], "draft_3": payloads[3], "text_0": "Lumen Arc: April 1.",
                "text_3": json.loads(payloads[3])["text"]}  # fmt: skip
    r = client.post(f"/w/{ws}/drafts/accept", data=accepted, follow_redirects=False)
    assert r.status_code == 303, r.text
    post_id = int(r.headers["location"].rsplit("/", 1)[1])
    post = posts.get_post(ctx, Actor(seed.editor.id), post_id)
    assert [v.status for v in post.variants] == [VariantStatus.in_review] * 2
    assert [v.language for v in post.variants] == ["en", "fr"]
    assert post.variants[0].text == "Lumen Arc: April 1."
    assert post.variants[0].ai["edited_by_human"] is True
    assert "edited_by_human" not in post.variants[1].ai
    assert all(is_ai_generated(v.ai["labels"]) for v in post.variants)
    page = client.get(f"/posts/{post_id}").text
    assert page.count("data-ai-badge") == 2 and "AI-assisted (local, clairon-composer-1)" in page
    assert "edited by a person" in page


def test_without_javascript_and_refusals(client: TestClient, seed: Seed) -> None:
    csrf = login(client, seed.editor)
    ws = seed.workspace.id
    files = {"brief_file": ("brief.md", f"# Lumen Arc\n\n{BRIEF}\n".encode(), "text/markdown")}
    data = {"csrf_token": csrf, "account_ids": [str(seed.outbox.id)], "variants": "1"}
    r = client.post(f"/w/{ws}/drafts", data=data, files=files)
    assert r.status_code == 200 and r.text.count('<article class="ai-card') == 1
    assert f'action="/w/{ws}/drafts/accept"' in r.text
    r = client.post(f"/w/{ws}/drafts", data={"csrf_token": csrf, "brief": BRIEF})
    assert r.status_code == 422 and "choose at least one account" in r.text
    blank = {"csrf_token": csrf, "brief": " ", "account_ids": [str(seed.outbox.id)]}
    r = client.post(f"/w/{ws}/drafts/stream", data=blank)
    assert r.status_code == 422 and "error" in _lines(r.text)[0]
    r = client.post(f"/w/{ws}/drafts/stream", data={"brief": BRIEF})
    assert r.status_code == 403  # no CSRF token
    r = client.post(f"/w/{ws}/drafts/accept", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/w/{ws}/compose"


def test_live_counter_uses_the_accounts_rule(ctx: Context, client: TestClient, seed: Seed) -> None:
    csrf = login(client, seed.editor)
    r = client.post(
        f"/w/{seed.workspace.id}/drafts/count",
        data={"csrf_token": csrf, "account_id": str(seed.short.id), "index": "2",
              "text_2": "x" * 300},
    )  # fmt: skip
    assert r.status_code == 200
    assert '<span class="len">300</span> / 280' in r.text and "20 too long" in r.text
    other = seed_workspace(ctx, "Other")
    r = client.post(
        f"/w/{seed.workspace.id}/drafts/count",
        data={"csrf_token": csrf, "account_id": str(other.outbox.id), "index": "0", "text_0": "x"},
    )
    assert r.status_code == 200 and r.text == ""


def test_violations_are_marked_in_place() -> None:
    text = "Call 06 12 34 56 78 today, you idiot."
    draft = Draft("x", "en", "A", text, "baseline", violations=(
        Violation("toxicity", (31, 36), "offensive wording 'idiot'"),
        Violation("pii.phone", (5, 19), "phone number 06 12 34 56 78"),
        Violation("pii.phone", (6, 10), "overlapping: ignored"),
    ))  # fmt: skip
    assert _segments(draft) == [
        ("Call ", ""),
        ("06 12 34 56 78", "phone number 06 12 34 56 78"),
        (" today, you ", ""),
        ("idiot", "offensive wording 'idiot'"),
        (".", ""),
    ]
