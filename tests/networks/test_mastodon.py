"""The Mastodon connector against a real local Mastodon-compatible HTTP server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks import mastodon as mastodon_module
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.mastodon import MastodonConnector, MastodonCounter, html_to_text
from clairon.networks.registry import connector_class
from tests.networks.servers.mastodon_server import DEFAULT_TOKEN, MastodonServer

REPO = Path(__file__).resolve().parents[2]


def request(
    text: str = "Hello from Clairon", key: str = "variant-1", **kw: object
) -> PublishRequest:
    return PublishRequest(variant_id=1, idempotency_key=key, text=text, **kw)  # type: ignore[arg-type]


def image(
    tmp_path: Path, name: str = "shop.png", alt: str = "", mime: str = "image/png"
) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    return MediaFile(path=path, mime=mime, size_bytes=72, width=10, height=10, alt_text=alt)


def connector_for(
    server: MastodonServer, token: str = DEFAULT_TOKEN, **kw: object
) -> MastodonConnector:
    account = AccountContext(
        account_id=2, handle="x", credentials={"access_token": token}, base_url=server.url
    )
    return MastodonConnector(account, **kw)  # type: ignore[arg-type]


# --- registration and capabilities ---


def test_registered_through_entry_point() -> None:
    assert connector_class("mastodon") is MastodonConnector
    assert Capability.refresh_token not in MastodonConnector.capabilities
    assert {Capability.publish, Capability.reconcile, Capability.metrics} <= (
        MastodonConnector.capabilities
    )


def test_tokens_do_not_expire_so_refresh_is_not_offered(mastodon: MastodonConnector) -> None:
    with pytest.raises(Rejected, match="does not support 'refresh_token'"):
        mastodon.refresh_token()


# --- publishing ---


def test_publish_text(mastodon: MastodonConnector, mastodon_server: MastodonServer) -> None:
    result = mastodon.publish(request(language="fr-FR", options={"visibility": "unlisted"}))
    created = mastodon_server.created_statuses()
    assert [c["text"] for c in created] == ["Hello from Clairon"]
    assert created[0]["idempotency_key"] == "variant-1"
    record = mastodon_server.statuses[result.network_post_id]
    assert (record["language"], record["visibility"]) == ("fr", "unlisted")
    assert result.url == f"https://mastodon.example/@alice/{result.network_post_id}"
    assert result.published_at is not None and result.published_at.tzinfo is not None


def test_same_idempotency_key_never_doubles(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    first = mastodon.publish(request())
    second = mastodon.publish(request())
    assert first.network_post_id == second.network_post_id
    assert len(mastodon_server.created_statuses()) == 1


def test_publish_with_media_waits_for_async_processing(
    mastodon: MastodonConnector, mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    mastodon_server.slow_media(polls=2)
    media = (image(tmp_path, "a.png", alt="The shop front at dusk"), image(tmp_path, "b.png"))
    result = mastodon.publish(request(media=media))
    status = mastodon_server.status_json(mastodon_server.statuses[result.network_post_id])
    attachments = status["media_attachments"]
    assert [a["description"] for a in attachments] == ["The shop front at dusk", None]
    assert all(a["url"] for a in attachments)
    codes = [(r["path"].split("/")[3], r["status"]) for r in mastodon_server.requests()]
    assert codes.count(("media", 202)) == 2 and codes.count(("media", 206)) == 4


def test_media_still_processing_after_the_deadline_is_transient(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    mastodon_server.slow_media(polls=1000)
    account = AccountContext(
        1,
        "alice",
        {"access_token": DEFAULT_TOKEN},
        base_url=mastodon_server.url,
        settings={"media_poll_interval": 0.01, "media_poll_timeout": 0.05},
    )
    with MastodonConnector(account) as connector, pytest.raises(Transient, match="processing"):
        connector.publish(request(media=(image(tmp_path),)))
    assert mastodon_server.created_statuses() == []


def test_unsupported_media_type_is_rejected_with_the_servers_words(
    mastodon: MastodonConnector, tmp_path: Path
) -> None:
    with pytest.raises(Rejected, match="content type is invalid") as caught:
        mastodon.publish(request(media=(image(tmp_path, "doc.pdf", mime="application/pdf"),)))
    assert caught.value.status == 422


def test_thread_and_first_comment_are_self_replies(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    result = mastodon.publish(
        request("1/3 Big news", thread=("2/3 More", "3/3 End"), first_comment="Link in bio")
    )
    by_text = {c["text"]: c for c in mastodon_server.created_statuses()}
    main = result.network_post_id
    two, three = result.extra["thread_ids"]
    assert by_text["2/3 More"]["in_reply_to_id"] == main
    assert by_text["3/3 End"]["in_reply_to_id"] == two == by_text["2/3 More"]["id"]
    assert by_text["3/3 End"]["id"] == three
    assert by_text["Link in bio"]["in_reply_to_id"] == main
    assert by_text["Link in bio"]["idempotency_key"] == "variant-1:first-comment"
    # a retry of the whole variant resumes without doubling any part
    again = mastodon.publish(
        request("1/3 Big news", thread=("2/3 More", "3/3 End"), first_comment="Link in bio")
    )
    assert again.extra == result.extra
    assert len(mastodon_server.created_statuses()) == 4


def test_reply_is_idempotent_for_the_same_text(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    post = mastodon.publish(request())
    comment_id = mastodon_server.add_reply(post.network_post_id, "@alice when?", author="bob")
    first = mastodon.reply(comment_id, "Tomorrow at 9!")
    second = mastodon.reply(comment_id, "Tomorrow at 9!")
    assert first.network_post_id == second.network_post_id
    assert mastodon_server.statuses[first.network_post_id]["in_reply_to_id"] == comment_id


def test_reply_to_a_missing_status_is_rejected(mastodon: MastodonConnector) -> None:
    with pytest.raises(Rejected, match="does not appear to exist") as caught:
        mastodon.reply("42", "hello")
    assert caught.value.status == 404


def test_delete(mastodon: MastodonConnector, mastodon_server: MastodonServer) -> None:
    post = mastodon.publish(request())
    mastodon.delete(post.network_post_id)
    assert post.network_post_id not in mastodon_server.statuses
    mastodon.delete(post.network_post_id)  # already gone: nothing left to do


def test_delete_other_failures_propagate(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    mastodon_server.fail_next(403, error="This action is not allowed")
    with pytest.raises(Rejected, match="not allowed"):
        mastodon.delete("1")


# --- reading ---


def test_fetch_comments_from_live_replies(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    post = mastodon.publish(request("Launch day", thread=("Part two",)))
    bob = mastodon_server.add_reply(post.network_post_id, "Congrats @alice@mastodon.example!")
    carol = mastodon_server.add_reply(bob, "Agreed\n\nSee https://example.org/a", author="carol")
    comments = mastodon.fetch_comments(post.network_post_id)
    assert [c.network_item_id for c in comments] == [bob, carol]  # own thread part left out
    first, second = comments
    assert (first.parent_network_id, first.kind, first.author_handle) == (
        post.network_post_id,
        "comment",
        "bob",
    )
    assert first.text == "Congrats @alice!"
    assert (second.parent_network_id, second.kind) == (bob, "reply")
    assert second.text == "Agreed\n\nSee https://example.org/a"
    assert second.created_at.tzinfo is not None
    assert [c.network_item_id for c in mastodon.fetch_comments(post.network_post_id, bob)] == [
        carol
    ]


def test_fetch_comments_from_the_documented_context_shape(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    post = mastodon.publish(request())
    mastodon_server.seed_context(post.network_post_id, "context__two_replies")
    first, second = mastodon.fetch_comments(post.network_post_id)
    assert first.text == (
        "@alice Bravo ! Les horaires sont sur https://shop.example/horaires?ville=paris ?"
        "\n\nMerci & à demain"
    )
    assert (first.author_handle, first.author_name, first.author_followers) == (
        "bob@other.example",
        "Bob Durand",
        87,
    )
    assert first.kind == "comment" and first.parent_network_id == post.network_post_id
    assert second.text == "Same question here.\nOpening hours please?"
    assert second.kind == "reply" and second.parent_network_id == first.network_item_id
    assert first.created_at == datetime(2026, 11, 24, 14, 5, tzinfo=UTC)


def test_fetch_metrics(mastodon: MastodonConnector, mastodon_server: MastodonServer) -> None:
    post = mastodon.publish(request())
    mastodon_server.add_reply(post.network_post_id, "nice")
    mastodon_server.set_counts(post.network_post_id, favourites=7, reblogs=3)
    metrics = mastodon.fetch_metrics(post.network_post_id)
    assert (metrics.reactions, metrics.shares, metrics.comments) == (7, 3, 1)
    assert metrics.observed_at.tzinfo is not None


# --- limits and the counting rule ---


def test_limits_come_from_the_v2_instance_and_are_cached(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    mastodon_server.max_characters, mastodon_server.url_length = 11000, 30
    limits = mastodon.limits()
    assert mastodon.limits() is limits
    assert [r["path"] for r in mastodon_server.requests()] == ["/api/v2/instance"]
    assert (limits.max_length, limits.extra["characters_reserved_per_url"]) == (11000, 30)
    assert limits.count("see https://example.org/a/very/long/path/indeed") == 4 + 30
    rule = limits.media_rule()
    assert rule is not None and rule.max_count == 4 and "video/mp4" in rule.mimes
    assert "audio/mpeg" not in rule.mimes
    assert limits.extra["image_size_limit"] == 16777216
    assert rule.max_bytes == 103809024


def test_limits_fall_back_to_v1_then_to_defaults(mastodon_server: MastodonServer) -> None:
    mastodon_server.instance_v2 = False
    with connector_for(mastodon_server) as connector:
        limits = connector.limits()
    assert limits.max_length == 500 and limits.extra["video_size_limit"] == 41943040
    mastodon_server.instance_v1 = False
    with connector_for(mastodon_server) as connector:
        limits = connector.limits()
    assert limits.max_length == 500 and limits.extra["characters_reserved_per_url"] == 23
    assert limits.extra["image_size_limit"] is None


def test_limits_of_an_older_fork_with_max_toot_chars(mastodon_server: MastodonServer) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/api/v1/instance":
            return httpx.Response(200, json={"uri": "pleroma.example", "max_toot_chars": 5000})
        return httpx.Response(404, json={"error": "Not found"})

    account = AccountContext(1, "a", {"access_token": "t"}, base_url="http://pleroma.example")
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        assert MastodonConnector(account, http=http).limits().max_length == 5000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello", 5),
        ("Read https://example.org/" + "x" * 80, 5 + 23),
        ("Thanks @bob@very.long.instance.example", 7 + 4),
        ("@alice hi", 9),
        ("Trailing dot https://example.org/page.", 13 + 23 + 1),
        ("email me at user@example.org", 28),
        ("👩‍👩‍👧‍👦 family", 1 + 7),
        ("café", 4),
    ],
)
def test_mastodon_counting_rule(text: str, expected: int) -> None:
    assert MastodonCounter()(text) == expected


@given(st.text(alphabet=st.characters(blacklist_characters="@:/", codec="utf-8"), max_size=60))
def test_adding_a_url_adds_exactly_the_reserved_length(text: str) -> None:
    count = MastodonCounter(23)
    assert count(f"{text} https://example.org/{'a' * 50}") == count(text + " ") + 23


def test_validate_names_each_broken_rule(mastodon: MastodonConnector, tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"0")
    big = MediaFile(path=video, mime="video/mp4", size_bytes=200_000_000)
    problems = mastodon.validate(
        request("x" * 490, options={"spoiler_text": "Spoilers ahead"}, media=(big, image(tmp_path)))
    )
    text = [str(p) for p in problems]
    assert any("spoiler_text + text: 504 characters" in t for t in text)
    assert any("clip.mp4" in t and "video limit of 103809024" in t for t in text)
    assert any("one video alone" in t for t in text)
    assert mastodon.validate(request("fits")) == []


# --- every failure class ---


def test_401_is_auth_expired(mastodon: MastodonConnector, mastodon_server: MastodonServer) -> None:
    mastodon_server.revoke()
    with pytest.raises(AuthExpired, match="access token is invalid") as caught:
        mastodon.publish(request())
    assert caught.value.status == 401
    assert mastodon_server.created_statuses() == []


def test_missing_token_is_auth_expired(mastodon_server: MastodonServer) -> None:
    with connector_for(mastodon_server, token="") as connector, pytest.raises(AuthExpired):
        connector.publish(request())


def test_missing_instance_url_is_rejected() -> None:
    account = AccountContext(1, "a", {"access_token": "t"})
    with MastodonConnector(account) as connector, pytest.raises(Rejected, match="instance URL"):
        connector.publish(request())


def test_429_reads_the_reset_time(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    mastodon_server.fail_next(429, path="/api/v1/statuses")
    with pytest.raises(RateLimited, match="Too many requests") as caught:
        mastodon.publish(request())
    assert 25 < caught.value.retry_after <= 30
    assert mastodon_server.created_statuses() == []


def test_429_with_retry_after_only(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    mastodon_server.fail_next(429, headers={"Retry-After": "12"})
    with pytest.raises(RateLimited) as caught:
        mastodon.fetch_metrics("1")
    assert caught.value.retry_after == 12


def test_retry_after_as_http_date_or_garbage() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    dated = httpx.Response(429, headers={"Retry-After": "Tue, 24 Nov 2026 12:01:30 GMT"})
    assert mastodon_module.retry_after_seconds(dated, now) == 90
    junk = httpx.Response(429, headers={"Retry-After": "soon", "X-RateLimit-Reset": "later"})
    assert mastodon_module.retry_after_seconds(junk, now) == 60


def test_5xx_is_transient(mastodon: MastodonConnector, mastodon_server: MastodonServer) -> None:
    mastodon_server.fail_next(503, error="Service unavailable")
    with pytest.raises(Transient, match="503") as caught:
        mastodon.publish(request())
    assert caught.value.status == 503


def test_422_is_rejected_with_the_message(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    with pytest.raises(Rejected) as caught:
        mastodon.publish(request("x" * 501))
    assert caught.value.reason == "Validation failed: Text character limit of 500 exceeded"
    mastodon_server.fail_next(422)
    with pytest.raises(Rejected, match="character limit"):
        mastodon.publish(request())


def test_error_body_that_is_not_json() -> None:
    account = AccountContext(1, "a", {"access_token": "t"}, base_url="http://m.example")
    transport = httpx.MockTransport(lambda r: httpx.Response(400, text="<h1>Bad request</h1>"))
    with httpx.Client(transport=transport) as http, pytest.raises(Rejected, match="<h1>Bad"):
        MastodonConnector(account, http=http).fetch_metrics("1")
    ok_but_html = httpx.MockTransport(lambda r: httpx.Response(200, text="<html>"))
    with httpx.Client(transport=ok_but_html) as http, pytest.raises(Transient, match="not JSON"):
        MastodonConnector(account, http=http).fetch_metrics("1")


def test_connect_error_before_sending_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    account = AccountContext(1, "a", {"access_token": "t"}, base_url=f"http://127.0.0.1:{port}")
    with MastodonConnector(account, timeout=1) as connector, pytest.raises(Transient):
        connector.publish(request())


def test_dropped_connection_after_create_is_unknown_then_reconciled(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    since = datetime.now(UTC)
    mastodon_server.drop_after()
    with pytest.raises(UnknownOutcome):
        mastodon.publish(request("Dropped but created"))
    found = mastodon.find_published(request("Dropped but created"), since)
    assert found is not None and found.extra == {"reconciled": True}
    assert [c["id"] for c in mastodon_server.created_statuses()] == [found.network_post_id]


def test_timeout_after_send_is_unknown_then_reconciled(mastodon_server: MastodonServer) -> None:
    since = datetime.now(UTC)
    mastodon_server.delay_after(1.0)
    text = "Slow @carol@other.example: see https://example.org/x\n\nBye"
    with connector_for(mastodon_server, timeout=0.3) as connector:
        with pytest.raises(UnknownOutcome, match="no answer"):
            connector.publish(request(text))
        found = connector.find_published(request(text), since)
    assert found is not None
    assert len(mastodon_server.created_statuses()) == 1


def test_read_timeout_on_a_repeatable_call_is_transient(mastodon_server: MastodonServer) -> None:
    mastodon_server.delay_after(1.0, path="/api/v2/media")
    with connector_for(mastodon_server, timeout=0.3) as connector, pytest.raises(Transient):
        connector._upload(b"x", "image/png", "a.png", "")


def test_find_published_proves_absence(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    mastodon.publish(request("An older post", key="old"))
    since = datetime.now(UTC) + timedelta(minutes=5)  # the old post is before since - skew
    assert mastodon.find_published(request("Never sent"), since) is None
    assert mastodon.find_published(request("Never sent"), datetime.now(UTC)) is None


def test_find_published_pages_back_and_ignores_replies(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    since = datetime.now(UTC)
    target = mastodon.publish(request("The one", key="target"))
    mastodon.reply(target.network_post_id, "The one")  # same text, but a reply
    for i in range(45):
        mastodon.publish(request(f"filler {i}", key=f"k{i}"))
    found = mastodon.find_published(request("The one"), since)
    assert found is not None and found.network_post_id == target.network_post_id
    assert mastodon.find_published(request("Absent"), since) is None


def test_find_published_cannot_settle_when_history_runs_too_deep(
    mastodon: MastodonConnector, mastodon_server: MastodonServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mastodon_module, "RECONCILE_PAGE", 3)
    monkeypatch.setattr(mastodon_module, "RECONCILE_MAX_PAGES", 2)
    since = datetime.now(UTC)
    for i in range(7):
        mastodon.publish(request(f"post {i}", key=f"p{i}"))
    with pytest.raises(Transient, match="cannot settle"):
        mastodon.find_published(request("Absent"), since)


def test_html_to_text() -> None:
    assert html_to_text("<p>a &lt;b&gt;<br>c</p><p>d</p>") == "a <b>\nc\n\nd"


# --- the server as a separate process (used by the worker kill test) ---


def test_server_runs_as_a_subprocess_and_logs_jsonl(tmp_path: Path) -> None:
    log = tmp_path / "created.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.networks.servers.mastodon_server",
            "--port",
            "0",
            "--log",
            str(log),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        url = f"http://127.0.0.1:{port}"
        httpx.post(f"{url}/_test/fault", json={"kind": "status", "status": 500}).raise_for_status()
        account = AccountContext(1, "w1", {"access_token": "token-w1"}, base_url=url)
        with MastodonConnector(account) as connector:
            with pytest.raises(Transient):
                connector.publish(request())
            result = connector.publish(request())
            connector.publish(request())
        created = httpx.get(f"{url}/_test/created").json()
        reply = httpx.post(
            f"{url}/_test/reply", json={"status_id": result.network_post_id, "text": "hi"}
        ).json()
        assert reply["id"] != result.network_post_id
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(c["idempotency_key"], c["account"]) for c in created] == [("variant-1", "w1")]
    assert [c["id"] for c in lines] == [result.network_post_id, reply["id"]]
    assert proc.returncode == 0


def test_find_published_reports_thread_parts_found_and_missing(
    mastodon: MastodonConnector, mastodon_server: MastodonServer
) -> None:
    since = datetime.now(UTC)
    full = request("Main", thread=("Two", "Three"), first_comment="First!")
    mastodon.publish(request("Main", thread=("Two",)))  # an attempt that stopped here
    found = mastodon.find_published(full, since)
    assert found is not None
    assert found.extra["missing_parts"] == ["thread[3]", "first_comment"]
    assert len(found.extra["thread_ids"]) == 1
    mastodon.publish(full)  # resuming with the same keys adds only what is missing
    done = mastodon.find_published(full, since)
    assert done is not None and "missing_parts" not in done.extra
    assert done.extra["first_comment_id"] and len(done.extra["thread_ids"]) == 2
    assert len(mastodon_server.created_statuses()) == 4


def test_concurrent_publishers_with_one_key_create_one_status(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def publish(i: int) -> str:
        with connector_for(mastodon_server) as connector:
            return connector.publish(request("Once only", key="shared")).network_post_id

    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(publish, range(16)))
    assert len(ids) == 1
    assert len(mastodon_server.created_statuses()) == 1
    lines = (tmp_path / "mastodon.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(ids)
