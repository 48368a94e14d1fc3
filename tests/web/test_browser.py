"""The web UI in a real headless Chromium (Debian's ``chromium`` driven by Playwright).

Set CLAIRON_TEST_SCREENSHOTS=/some/dir to keep a screenshot of each main page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from clairon.domain import User, VariantStatus
from clairon.services import posts
from clairon.services.context import Actor
from tests.networks.servers.mastodon_server import MastodonServer
from tests.networks.servers.mastodon_server import length as mastodon_length
from tests.web.conftest import PASSWORD, LiveServer, Seed, connect_mastodon, seed_workspace

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = os.environ.get("CLAIRON_TEST_SCREENSHOTS", "")


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
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []  # CSP violations, script errors, failed asset loads...
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    yield tab
    context.close()
    expected = "Failed to load resource: the server responded with a status of 40"
    assert [p for p in problems if not p.startswith(expected)] == []


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def log_in(page: Page, server: LiveServer, user: User, password: str = PASSWORD) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_compose_review_approve_schedule_and_see_it_on_the_calendar(
    page: Page, live_server: LiveServer, seed: Seed, mastodon_server: MastodonServer
) -> None:
    ws = seed.workspace
    mastodon = connect_mastodon(live_server.ctx, seed, mastodon_server)
    page.goto(f"{live_server.url}/login")
    shot(page, "login")
    log_in(page, live_server, seed.editor)
    expect(page).to_have_url(f"{live_server.url}/w/{ws.id}/calendar")

    # Compose for outbox + Mastodon; the counters follow the typing, by each account's rule
    # (Mastodon counts any URL as 23 characters; its limit comes from the instance).
    mastodon_server.max_characters = 280
    page.get_by_role("link", name="Compose").click()
    page.get_by_label(f"outbox · {seed.outbox.handle}", exact=True).check()
    page.get_by_label("mastodon · alice", exact=True).check()
    body = page.get_by_label("Message", exact=True)
    link = "https://example.org/collections/" + "automne-hiver-" * 6
    long_text = "Lancement de notre nouvelle gamme 🎉 " * 7 + link
    body.fill(long_text)
    toot = page.locator(f'#counters li[data-account="{mastodon.id}"]')
    outbox = page.locator(f'#counters li[data-account="{seed.outbox.id}"]')
    toot_length = mastodon_length(long_text, mastodon_server.url_length)
    assert toot_length < len(long_text)
    expect(toot.locator(".count")).to_have_text(f"{toot_length} / 280")
    expect(outbox.locator(".count")).to_have_text(f"{len(long_text)} / 100000")
    expect(toot).to_have_class("counter" if toot_length <= 280 else "counter over")
    body.fill(long_text + " Pour tous les goûts, toutes les saisons !" * 2)
    expect(toot).to_have_class("counter over")
    expect(outbox).to_have_class("counter")
    shot(page, "composer")
    text = "Lancement de notre nouvelle gamme 🎉 rendez-vous jeudi ! " + link
    body.fill(text)
    expect(toot.locator(".count")).to_have_text(
        f"{mastodon_length(text, mastodon_server.url_length)} / 280"
    )
    expect(toot).to_have_class("counter")
    # Mastodon gets its own adapted text; its counter follows that text.
    page.get_by_text("Adapt the text for one account").click()
    toot_text = "Nouvelle gamme 🎉 jeudi ! " + link
    page.get_by_label("Text for mastodon · alice").fill(toot_text)
    expect(toot.locator(".count")).to_have_text(
        f"{mastodon_length(toot_text, mastodon_server.url_length)} / 280"
    )
    expect(toot).to_contain_text("(adapted text)")
    expect(outbox.locator(".count")).to_have_text(f"{len(text)} / 100000")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#post-status")).to_have_text("in review")
    post_id = int(page.url.rsplit("/", 1)[1])

    # The approver approves from the review queue.
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, seed.approver)
    page.get_by_role("link", name="Review").click()
    item = page.locator(f'article[data-post="{post_id}"]')
    expect(item).to_contain_text(text)
    shot(page, "review")
    item.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash.success")).to_contain_text("approved")

    # Schedule at 09:30 local time in two days; the week view shows it at 09:30 local.
    tz = ZoneInfo(ws.timezone)
    in_two_days = datetime.now(tz) + timedelta(days=2)
    when = in_two_days.replace(hour=9, minute=30, second=0, microsecond=0)
    page.goto(f"{live_server.url}/posts/{post_id}")
    page.get_by_label("Publish at").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Schedule").click()
    expect(page).to_have_url(f"{live_server.url}/w/{ws.id}/calendar?view=week&day={when.date()}")
    cell = page.locator(f'[data-day="{when.date().isoformat()}"]')
    entries = cell.locator("a.entry")
    expect(entries).to_have_count(2)
    expect(entries.first.locator("time")).to_have_text(f"09:30 {when.tzname()}")
    expect(entries.first).to_contain_text("scheduled")
    shot(page, "calendar-week")
    stored = posts.get_post(live_server.ctx, Actor(seed.approver.id), post_id)
    assert {v.account_id: v.text for v in stored.variants} == {
        seed.outbox.id: text,
        mastodon.id: toot_text,
    }
    assert {v.status for v in stored.variants} == {VariantStatus.scheduled}
    assert {v.scheduled_at for v in stored.variants} == {when.astimezone(UTC)}

    page.get_by_role("link", name="Month").click()
    expect(page.locator(f'td[data-day="{when.date().isoformat()}"] a.chip')).to_have_count(2)
    shot(page, "calendar-month")
    page.goto(f"{live_server.url}/posts/{post_id}")
    expect(page.locator(".history")).to_contain_text("post.approve")
    shot(page, "post")
    page.get_by_role("link", name="Inbox").click()
    shot(page, "inbox")


def test_wrong_password_shows_the_reason(page: Page, live_server: LiveServer, seed: Seed) -> None:
    log_in(page, live_server, seed.editor, "not-the-password")
    expect(page.locator("#login-error")).to_have_text("Unknown e-mail or wrong password.")
    expect(page.get_by_label("E-mail")).to_have_value(seed.editor.email)


def test_csrf_and_workspace_isolation_in_the_browser(
    page: Page, live_server: LiveServer, seed: Seed
) -> None:
    other = seed_workspace(live_server.ctx, "Globex")
    foreign = posts.create_post(
        live_server.ctx,
        Actor(other.editor.id),
        other.workspace.id,
        "Globex secret",
        [posts.VariantSpec(other.outbox.id)],
    )
    log_in(page, live_server, seed.approver)
    expect(page.locator("#ws-switch option")).to_have_text(["Acme"])
    response = page.goto(f"{live_server.url}/posts/{foreign.id}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    # A POST carrying the session cookie but no CSRF token is refused.
    own = posts.create_post(
        live_server.ctx,
        Actor(seed.editor.id),
        seed.workspace.id,
        "Acme news",
        [posts.VariantSpec(seed.outbox.id)],
    )
    posts.submit_for_review(live_server.ctx, Actor(seed.editor.id), own.id)
    forged = page.request.post(f"{live_server.url}/posts/{own.id}/approve", form={"comment": "x"})
    assert forged.status == 403
    assert posts.get_post(live_server.ctx, Actor(seed.approver.id), own.id).status == "in_review"
