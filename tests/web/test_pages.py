"""The web pages through the real app (no browser): sessions, CSRF, isolation, errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from clairon.domain import VariantStatus
from clairon.services import posts, scheduling
from clairon.services.context import Actor, Context
from clairon.web import ROUTERS
from clairon.web.rendering import WebRoute
from tests.web.conftest import PASSWORD, Seed, csrf_of, login, seed_workspace


def _post(ctx: Context, seed: Seed, body: str = "Hello from Acme") -> int:
    post = posts.create_post(
        ctx,
        Actor(seed.editor.id),
        seed.workspace.id,
        body,
        [posts.VariantSpec(seed.outbox.id), posts.VariantSpec(seed.short.id)],
    )
    posts.submit_for_review(ctx, Actor(seed.editor.id), post.id)
    return post.id


def test_pages_need_login(client: TestClient, seed: Seed) -> None:
    response = client.get(f"/w/{seed.workspace.id}/calendar", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_wrong_password_shows_a_message_and_no_session(client: TestClient, seed: Seed) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": seed.editor.email, "password": "wrong-password", "csrf_token": token},
    )
    assert response.status_code == 401
    assert "Unknown e-mail or wrong password." in response.text
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_login_refuses_an_external_next(client: TestClient, seed: Seed) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "email": seed.editor.email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_post_without_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    post_id = _post(ctx, seed)
    login(client, seed.approver)
    response = client.post(f"/posts/{post_id}/approve", data={"comment": "ok"})
    assert response.status_code == 403
    wrong = client.post(f"/posts/{post_id}/approve", data={"csrf_token": "x" * 43})
    assert wrong.status_code == 403
    assert posts.get_post(ctx, Actor(seed.approver.id), post_id).status == VariantStatus.in_review


def test_login_form_itself_needs_the_token(client: TestClient, seed: Seed) -> None:
    response = client.post("/login", data={"email": seed.editor.email, "password": PASSWORD})
    assert response.status_code == 403


def test_approve_with_token_in_form_or_header(client: TestClient, ctx: Context, seed: Seed) -> None:
    first, second = _post(ctx, seed), _post(ctx, seed, "Second")
    token = login(client, seed.approver)
    assert client.post(f"/posts/{first}/approve", data={"csrf_token": token}).status_code == 200
    htmx = client.post(
        f"/posts/{second}/approve", headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )
    assert htmx.status_code == 204
    assert htmx.headers["HX-Redirect"] == f"/posts/{second}"
    for post_id in (first, second):
        assert posts.get_post(ctx, Actor(seed.approver.id), post_id).status == "approved"


def test_api_accepts_the_browser_session_only_with_the_csrf_header(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    post_id = _post(ctx, seed)
    token = login(client, seed.approver)
    assert client.get(f"/api/v1/posts/{post_id}").status_code == 200
    forged = client.post(f"/api/v1/posts/{post_id}/approve", json={})
    assert forged.status_code == 401
    assert posts.get_post(ctx, Actor(seed.approver.id), post_id).status == "in_review"
    allowed = client.post(
        f"/api/v1/posts/{post_id}/approve", json={}, headers={"X-CSRF-Token": token}
    )
    assert allowed.status_code == 200, allowed.text


def test_member_of_a_cannot_see_or_act_on_b(client: TestClient, ctx: Context, seed: Seed) -> None:
    other = seed_workspace(ctx, "Globex")
    foreign = _post(ctx, other)
    token = login(client, seed.approver)
    assert client.get(f"/posts/{foreign}").status_code == 404
    for path in ("calendar", "compose", "review", "inbox"):
        assert client.get(f"/w/{other.workspace.id}/{path}").status_code == 404, path
    response = client.post(f"/posts/{foreign}/approve", data={"csrf_token": token})
    assert response.status_code == 404
    assert client.get(f"/switch?workspace={other.workspace.id}").status_code == 404
    assert posts.get_post(ctx, Actor(other.approver.id), foreign).status == "in_review"


def test_switcher_keeps_the_section(client: TestClient, ctx: Context, seed: Seed) -> None:
    from clairon.services import workspaces

    other = workspaces.create_workspace(ctx, Actor(seed.editor.id), "Editor's own")
    login(client, seed.editor)
    page = client.get(f"/w/{seed.workspace.id}/review").text
    assert '<input type="hidden" name="section" value="review">' in page
    response = client.get(f"/switch?workspace={other.id}&section=review", follow_redirects=False)
    assert response.headers["location"] == f"/w/{other.id}/review"
    odd = client.get(f"/switch?workspace={other.id}&section=//evil", follow_redirects=False)
    assert odd.headers["location"] == f"/w/{other.id}/calendar"


def test_viewer_sees_only_own_workspaces_in_switcher(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    seed_workspace(ctx, "Globex")
    login(client, seed.editor)
    page = client.get("/").text
    assert "Acme" in page and "Globex" not in page


def test_counters_use_each_accounts_rule(client: TestClient, seed: Seed) -> None:
    token = login(client, seed.editor)
    text = "é" * 300
    response = client.post(
        f"/w/{seed.workspace.id}/compose/counters",
        data={"body": text, "account_ids": [seed.outbox.id, seed.short.id]},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert "300</span> / 100000" in response.text
    assert "300</span> / 280" in response.text
    assert response.text.count('class="counter over"') == 1
    assert "20 characters too long" in response.text


def test_compose_over_the_limit_keeps_the_text_and_names_the_account(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    token = login(client, seed.editor)
    response = client.post(
        f"/w/{seed.workspace.id}/compose",
        data={
            "csrf_token": token,
            "body": "x" * 281,
            "account_ids": [seed.short.id],
            "intent": "submit",
        },
    )
    assert response.status_code == 422
    expected = f"outbox · {seed.short.handle}, text: 281 characters is over outbox&#39;s limit"
    assert expected in response.text
    assert "x" * 281 in response.text
    assert posts.list_posts(ctx, Actor(seed.editor.id), seed.workspace.id)[1] == 0


def test_schedule_reads_local_time_and_refuses_a_dst_gap(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    post_id = _post(ctx, seed)
    posts.approve_post(ctx, Actor(seed.approver.id), post_id)
    token = login(client, seed.editor)
    tz = ZoneInfo(seed.workspace.timezone)
    gap_year = datetime.now(UTC).year + 1
    march_end = datetime(gap_year, 3, 31)
    last_sunday = march_end - timedelta(days=(march_end.weekday() + 1) % 7)
    gap = f"{last_sunday:%Y-%m-%d}T02:30"
    refused = client.post(
        f"/posts/{post_id}/schedule", data={"csrf_token": token, "scheduled_at": gap}
    )
    assert "does not exist in Europe/Paris" in refused.text
    when = (datetime.now(tz) + timedelta(days=2)).replace(hour=9, minute=30, second=0)
    page = client.post(
        f"/posts/{post_id}/schedule",
        data={"csrf_token": token, "scheduled_at": when.strftime("%Y-%m-%dT%H:%M")},
    )
    assert page.status_code == 200
    assert f"09:30 {when.replace(microsecond=0).tzname()}" in page.text
    start = when.astimezone(UTC) - timedelta(minutes=1)
    found = scheduling.calendar(
        ctx, Actor(seed.editor.id), seed.workspace.id, start, start + timedelta(minutes=2)
    )
    assert len(found) == 2
    assert all(v.scheduled_at == when.replace(microsecond=0).astimezone(UTC) for v in found)


def test_every_page_renders(client: TestClient, ctx: Context, seed: Seed) -> None:
    post_id = _post(ctx, seed)
    login(client, seed.owner)
    ws = seed.workspace.id
    for path in (
        f"/w/{ws}/calendar",
        f"/w/{ws}/calendar?view=month",
        f"/w/{ws}/compose",
        f"/w/{ws}/review",
        f"/w/{ws}/inbox",
        f"/w/{ws}/posts",
        f"/w/{ws}/posts?status=in_review",
        f"/posts/{post_id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert "cdn" not in response.text.lower()
    assert client.get("/static/htmx.min.js").status_code == 200


def test_every_page_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
    pages = [
        r.path
        for router in ROUTERS
        for r in router.routes
        if isinstance(r, WebRoute) and "GET" in r.methods and r.path != "/"
    ]
    assert len(pages) >= 8
    for path in pages:
        documented = re.sub(r"\{\w+_id\}", "ID", path)
        assert f"`{documented}" in doc, f"{path} is missing from docs/web.md"


def test_inbox_items_can_be_marked_done(client: TestClient, ctx: Context, seed: Seed) -> None:
    from clairon.networks.base import RemoteComment
    from clairon.services import inbox

    [item_id] = inbox.ingest_comments(
        ctx,
        seed.outbox.id,
        [RemoteComment("c1", None, "@lou", "Trop cher pour ce que c'est.", datetime.now(UTC))],
    )
    token = login(client, seed.editor)
    page = client.get(f"/w/{seed.workspace.id}/inbox")
    assert "Trop cher pour ce que c&#39;est." in page.text and "@@lou" not in page.text
    done = client.post(
        f"/inbox/{item_id}/status", data={"csrf_token": token, "status": "done", "back": "open"}
    )
    assert done.status_code == 200 and "Marked done." in done.text
    assert "Trop cher" not in done.text  # the open list no longer shows it
    assert "Trop cher" in client.get(f"/w/{seed.workspace.id}/inbox?status=done").text


def test_an_adapted_text_is_counted_and_published_for_its_account(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    token = login(client, seed.editor)
    long_body, short_text = "y" * 300, "Version courte pour ce compte"
    form = {
        "csrf_token": token,
        "body": long_body,
        "account_ids": [seed.outbox.id, seed.short.id],
        f"text_{seed.short.id}": short_text,
    }
    counts = client.post(f"/w/{seed.workspace.id}/compose/counters", data=form)
    assert f"{len(short_text)}</span> / 280" in counts.text
    assert "300</span> / 100000" in counts.text
    assert "over" not in counts.text
    created = client.post(f"/w/{seed.workspace.id}/compose", data=form | {"intent": "draft"})
    assert created.status_code == 200 and "Draft saved." in created.text
    [post], _ = posts.list_posts(ctx, Actor(seed.editor.id), seed.workspace.id)
    texts = {v.account_id: v.text for v in post.variants}
    assert texts == {seed.outbox.id: long_body, seed.short.id: short_text}


def test_a_rejected_variant_is_edited_then_sent_again(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    post_id = _post(ctx, seed)
    posts.reject_post(ctx, Actor(seed.approver.id), post_id, "Trop long pour le compte court")
    token = login(client, seed.editor)
    page = client.get(f"/posts/{post_id}")
    assert "Trop long pour le compte court" in page.text  # the reviewer's comment
    variant = next(v for v in posts.get_post(ctx, Actor(seed.editor.id), post_id).variants)
    too_long = client.post(
        f"/variants/{variant.id}/edit",
        data={"csrf_token": token, "body": "z" * 100_001, "post_id": post_id},
    )
    assert "Not saved:" in too_long.text
    saved = client.post(
        f"/variants/{variant.id}/edit",
        data={"csrf_token": token, "body": "Plus court", "post_id": post_id},
    )
    assert "Text saved." in saved.text
    client.post(f"/posts/{post_id}/submit", data={"csrf_token": token})
    after = posts.get_post(ctx, Actor(seed.editor.id), post_id)
    assert {v.id: v.text for v in after.variants}[variant.id] == "Plus court"
    assert after.status == VariantStatus.in_review


def test_session_cookie_flags(ctx: Context, seed: Seed) -> None:
    from dataclasses import replace

    from clairon.api import create_app

    for base_url, secure in (("http://127.0.0.1:8000", False), ("https://clairon.example", True)):
        app = create_app(ctx=replace(ctx, settings=ctx.settings.with_overrides(base_url=base_url)))
        with TestClient(app, base_url=base_url) as client:
            cookie = client.get("/login").headers["set-cookie"].lower()
        assert cookie.startswith("clairon_session=")
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert ("secure" in cookie.replace("samesite", "")) is secure


def test_repeated_login_failures_lock_the_email_for_a_while(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    from clairon.web.auth import LOCKOUT, MAX_FAILURES

    now = [datetime.now(UTC)]
    ctx.clock = lambda: now[0]
    token = csrf_of(client.get("/login").text)

    def attempt(password: str) -> int:
        form = {"email": seed.editor.email, "password": password, "csrf_token": token}
        return client.post("/login", data=form, follow_redirects=False).status_code

    assert [attempt("wrong-password") for _ in range(MAX_FAILURES)] == [401] * MAX_FAILURES
    assert attempt(PASSWORD) == 429  # even the right password waits
    now[0] += LOCKOUT + timedelta(seconds=1)
    assert attempt(PASSWORD) == 303
