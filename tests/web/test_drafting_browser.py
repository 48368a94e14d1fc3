""" "Draft with AI" in a real headless Chromium: draft from a brief, watch the text stream in,
edit one draft (live counter), accept, and find the AI badge on the post page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from clairon.content import is_ai_generated
from clairon.domain import VariantStatus
from clairon.services import posts
from clairon.services.context import Actor
from tests.web.conftest import LiveServer, Seed
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, log_in, shot

pytestmark = pytest.mark.browser

BRIEF = (
    "# Lumen Arc\n\nLumen Arc, our new desk lamp, ships on April 1, 2026. It dims itself at "
    "sunset and lasts ten years. From 89 €. Details: https://lumen.example.com/arc"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []  # CSP violations, script errors, failed asset loads...
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    yield tab
    context.close()
    expected = "Failed to load resource: the server responded with a status of 40"  # favicon
    assert [p for p in problems if not p.startswith(expected)] == []


def test_draft_stream_accept_and_see_the_ai_badge(
    page: Page, live_server: LiveServer, seed: Seed
) -> None:
    ws = seed.workspace
    log_in(page, live_server, seed.editor)
    page.goto(f"{live_server.url}/w/{ws.id}/compose")
    page.get_by_label("Brief", exact=True).fill(BRIEF)
    page.get_by_label(f"AI draft for outbox · {seed.outbox.handle}").uncheck()
    page.get_by_label(f"AI draft for outbox · {seed.short.handle}").check()
    page.get_by_label("AI draft language en").check()
    page.get_by_label("A/B variants per account").fill("2")
    page.get_by_role("button", name="Draft with AI").click()

    # The text streams into one box per account x language, then the previews arrive.
    live = page.locator(".ai-live-text")
    expect(live).to_have_count(2)
    expect(live.first).to_contain_text("Lumen Arc")
    expect(page.locator("#ai-stream")).to_have_attribute("data-done", "true")
    cards = page.locator("article.ai-card")
    expect(cards).to_have_count(4)
    expect(cards.first.locator(".badge.ai")).to_contain_text("AI-assisted (local,")
    expect(cards.first.locator(".counter")).to_contain_text("/ 280")
    shot(page, "ai-drafts")

    # Edit the first draft: the counter follows, by the account's own rule.
    page.get_by_label("Edit draft 1", exact=True).fill("Lumen Arc ships on April 1, 2026.")
    expect(page.locator("#ai-count-0 .len")).to_have_text("33")
    page.get_by_label("Use draft 2", exact=True).uncheck()
    page.get_by_label("Use draft 4", exact=True).uncheck()
    page.get_by_role("button", name="Create post and send to reviewers").click()

    expect(page).to_have_url(re.compile(rf"{live_server.url}/posts/\d+$"))
    badges = page.locator("[data-ai-badge]")
    expect(badges).to_have_count(2)
    expect(badges.first).to_contain_text("AI-assisted (local, clairon-composer-1)")
    expect(badges.first).to_contain_text("edited by a person")
    shot(page, "ai-post")
    post_id = int(page.url.rsplit("/", 1)[1])
    post = posts.get_post(live_server.ctx, Actor(seed.editor.id), post_id)
    assert [v.status for v in post.variants] == [VariantStatus.in_review] * 2
    assert post.variants[0].text == "Lumen Arc ships on April 1, 2026."
    assert all(is_ai_generated(v.ai["labels"]) for v in post.variants)
