"""The Threads connector against a local server speaking the documented Graph API shapes."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks import threads as threads_module
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.registry import connector_class
from clairon.networks.threads import ThreadsConnector, retry_after_seconds
from tests.networks.servers.threads_server import (
    APP_SECRET,
    DEFAULT_TOKEN,
    USER_ID,
    ThreadsServer,
)

MEDIA_BASE = "https://cdn.clairon.example/m"


@pytest.fixture
def server() -> Iterator[ThreadsServer]:
    with ThreadsServer() as s:
        yield s


def connector_for(
    server: ThreadsServer, token: str = DEFAULT_TOKEN, **kw: object
) -> ThreadsConnector:
    account = AccountContext(
        1,
        "claironcafe",
        {"access_token": token, "user_id": USER_ID},
        settings={
            "container_poll_interval": 0.01,
            "container_poll_timeout": 5,
            "public_media_base_url": MEDIA_BASE,
        },
        base_url=server.url,
    )
    return ThreadsConnector(account, **kw)  # type: ignore[arg-type]


@pytest.fixture
def th(server: ThreadsServer) -> Iterator[ThreadsConnector]:
    with connector_for(server, timeout=2.0) as connector:
        yield connector


def request(text: str = "Hello from Clairon", **kw: object) -> PublishRequest:
    return PublishRequest(variant_id=1, idempotency_key="v-1", text=text, **kw)  # type: ignore[arg-type]


def media(tmp_path: Path, name: str, mime: str = "image/jpeg", alt: str = "") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(b"0" * 10)
    return MediaFile(path, mime, 10, width=1080, height=1350, duration_seconds=None, alt_text=alt)


# --- registration and rules ---


def test_registered_with_its_capabilities() -> None:
    assert connector_class("threads") is ThreadsConnector
    assert {Capability.thread, Capability.first_comment, Capability.refresh_token} <= (
        ThreadsConnector.capabilities
    )
    assert ThreadsConnector.max_concurrency == 1
    assert ThreadsConnector.oauth is not None and ThreadsConnector.oauth.scope_separator == ","


def test_validate_needs_public_media_urls(server: ThreadsServer, tmp_path: Path) -> None:
    account = AccountContext(1, "a", {"access_token": DEFAULT_TOKEN}, base_url=server.url)
    with ThreadsConnector(account) as bare:
        problems = bare.validate(request(media=(media(tmp_path, "a.jpg"),)))
        assert any("public URLs" in str(p) for p in problems)
        explicit = request(
            media=(media(tmp_path, "a.jpg"),), options={"media_urls": ["https://x/a"]}
        )
        assert bare.validate(explicit) == []
        with pytest.raises(Rejected, match="public URL"):
            bare.publish(request(media=(media(tmp_path, "a.jpg"),)))
    with connector_for(server) as th:
        assert th.limits().daily_publish_cap == 250
        assert any("501" in str(p) for p in th.validate(request("x" * 501)))


def test_whoami_and_quota(th: ThreadsConnector) -> None:
    assert th.whoami() == ("claironcafe", "Clairon Café")
    assert th.publishing_quota() == (4, 250)


# --- publishing ---


def test_publish_text(th: ThreadsConnector, server: ThreadsServer) -> None:
    result = th.publish(request())
    (post,) = server.published
    assert result.network_post_id == post["id"]
    assert result.url == server.posts[post["id"]]["permalink"]
    assert result.published_at is not None and result.published_at.tzinfo is not None
    assert server.quota_usage == 5


def test_thread_and_first_comment(th: ThreadsConnector, server: ThreadsServer) -> None:
    result = th.publish(request("1/3", thread=("2/3", "3/3"), first_comment="PS"))
    main = result.network_post_id
    two, three = result.extra["thread_ids"]
    assert server.posts[two]["reply_to"] == main and server.posts[three]["reply_to"] == two
    assert server.posts[result.extra["first_comment_id"]]["reply_to"] == main


def test_image_video_and_carousel(
    th: ThreadsConnector, server: ThreadsServer, tmp_path: Path
) -> None:
    server.container_polls = 2
    one = th.publish(request("Photo", media=(media(tmp_path, "a.jpg", alt="Shop"),)))
    container = server.containers[server.posts[one.network_post_id]["container"]]
    assert (container["media_type"], container["url"], container["alt_text"]) == (
        "IMAGE",
        f"{MEDIA_BASE}/a.jpg",
        "Shop",
    )
    clip = th.publish(request("Clip", media=(media(tmp_path, "c.mp4", "video/mp4"),)))
    assert (
        server.containers[server.posts[clip.network_post_id]["container"]]["media_type"] == "VIDEO"
    )
    many = (media(tmp_path, "a.jpg"), media(tmp_path, "c.mp4", "video/mp4"))
    carousel = th.publish(request("Both", media=many, post_type="carousel"))
    parent = server.containers[server.posts[carousel.network_post_id]["container"]]
    assert parent["media_type"] == "CAROUSEL" and len(parent["children"]) == 2
    assert all(server.containers[c]["carousel_item"] for c in parent["children"])


def test_container_processing_error_is_rejected(
    th: ThreadsConnector, server: ThreadsServer, tmp_path: Path
) -> None:
    server.container_error = True
    with pytest.raises(Rejected, match="FAILED_DOWNLOADING_VIDEO"):
        th.publish(request("Clip", media=(media(tmp_path, "c.mp4", "video/mp4"),)))
    assert server.published == []


def test_container_still_processing_is_transient(server: ThreadsServer, tmp_path: Path) -> None:
    server.container_polls = 1000
    account = AccountContext(
        1,
        "a",
        {"access_token": DEFAULT_TOKEN, "user_id": USER_ID},
        settings={
            "container_poll_interval": 0.01,
            "container_poll_timeout": 0.05,
            "public_media_base_url": MEDIA_BASE,
        },
        base_url=server.url,
    )
    with ThreadsConnector(account) as th, pytest.raises(Transient, match="still processing"):
        th.publish(request(media=(media(tmp_path, "c.mp4", "video/mp4"),)))


def test_expired_container_is_transient(th: ThreadsConnector, server: ThreadsServer) -> None:
    container = th._text_container("old")
    server.containers[container]["status"] = "EXPIRED"
    with pytest.raises(Transient, match="expired"):
        th._wait_until_finished(container)


def test_text_too_long_is_rejected_with_the_user_message(th: ThreadsConnector) -> None:
    with pytest.raises(Rejected, match=r"too long \(max 500 characters\)") as caught:
        th.publish(request("x" * 501))
    assert caught.value.status == 400


def test_daily_publishing_cap_is_checked_first(th: ThreadsConnector, server: ThreadsServer) -> None:
    server.quota_usage = 250
    with pytest.raises(RateLimited, match="250 posts per 24 hours"):
        th.publish(request())
    assert server.containers == {}


# --- partial failures of the two-step publish ---


def test_container_created_but_publish_refused(th: ThreadsConnector, server: ThreadsServer) -> None:
    since = datetime.now(UTC)
    server.fail_next(
        400,
        path=f"/v1.0/{USER_ID}/threads_publish",
        method="POST",
        message="Media Not Ready",
        code=100,
    )
    with pytest.raises(Rejected, match="Media Not Ready"):
        th.publish(request("Refused"))
    assert len(server.containers) == 1 and server.published == []
    assert th.find_published(request("Refused"), since) is None  # proved absent


def test_publish_5xx_with_nothing_published_is_transient(
    th: ThreadsConnector, server: ThreadsServer
) -> None:
    since = datetime.now(UTC)
    server.fail_next(500, path=f"/v1.0/{USER_ID}/threads_publish", method="POST", code=2)
    with pytest.raises(Transient, match="temporarily unavailable"):
        th.publish(request("Try again"))
    assert th.find_published(request("Try again"), since) is None
    th.publish(request("Try again"))  # the retry: a fresh container
    assert [p["text"] for p in server.published] == ["Try again"]


def test_publish_error_after_acting_is_unknown_then_reconciled(
    th: ThreadsConnector, server: ThreadsServer
) -> None:
    since = datetime.now(UTC)
    server.publish_fails_after_acting = 1
    with pytest.raises(UnknownOutcome, match="is published"):
        th.publish(request("Published anyway"))
    found = th.find_published(request("Published anyway"), since)
    assert found is not None and found.network_post_id == server.published[0]["id"]
    assert found.url == server.posts[found.network_post_id]["permalink"]


def test_publish_error_and_status_unreadable_is_unknown(
    th: ThreadsConnector, server: ThreadsServer
) -> None:
    server.fail_next(500, path=f"/v1.0/{USER_ID}/threads_publish", method="POST", code=1)
    server.fail_next(500, method="GET", code=1, after=1)  # then the status check fails too
    with pytest.raises(UnknownOutcome, match="could not be checked"):
        th.publish(request("Who knows"))


def test_failed_thread_part_is_reported_not_raised(
    th: ThreadsConnector, server: ThreadsServer
) -> None:
    server.fail_next(
        400,
        path=f"/v1.0/{USER_ID}/threads",
        method="POST",
        after=4,
        code=100,
        message="Invalid parameter reply_to_id",
    )
    result = th.publish(request("Main", thread=("Two", "Three"), first_comment="PS"))
    assert result.extra["missing_parts"] == ["thread[3]", "first_comment"]
    assert "Invalid parameter" in result.extra["partial_error"]
    assert [p["text"] for p in server.published] == ["Main", "Two"]


def test_dropped_publish_answer_is_unknown_then_reconciled(
    th: ThreadsConnector, server: ThreadsServer
) -> None:
    since = datetime.now(UTC)
    server.drop_after(path=f"/v1.0/{USER_ID}/threads_publish", method="POST")
    with pytest.raises(UnknownOutcome):
        th.publish(request("Dropped", thread=("Two",)))
    found = th.find_published(request("Dropped", thread=("Two",), first_comment="PS"), since)
    assert found is not None and found.extra["missing_parts"] == ["thread[2]", "first_comment"]


def test_timeout_after_send_is_unknown_and_a_dropped_container_is_transient(
    server: ThreadsServer,
) -> None:
    since = datetime.now(UTC)
    server.delay_after(1.0, path=f"/v1.0/{USER_ID}/threads_publish", method="POST")
    with connector_for(server, timeout=0.3) as th:
        with pytest.raises(UnknownOutcome, match="no answer"):
            th.publish(request("Slow"))
        assert th.find_published(request("Slow"), since) is not None
    server.drop_after(path=f"/v1.0/{USER_ID}/threads")
    with connector_for(server) as th, pytest.raises(Transient):
        th.publish(request("Container lost"))  # an unpublished container is harmless


# --- replies, comments, metrics, delete ---


def test_reply_and_reconcile_a_reply(th: ThreadsConnector, server: ThreadsServer) -> None:
    since = datetime.now(UTC)
    post = th.publish(request())
    bob = server.add_reply(post.network_post_id, "When?")
    answer = th.reply(bob, "Tomorrow")
    assert server.posts[answer.network_post_id]["reply_to"] == bob
    found = th.find_published(request("Tomorrow", reply_to=bob), since)
    assert found is not None and found.network_post_id == answer.network_post_id
    with pytest.raises(Rejected, match="does not exist"):
        th.reply("424242", "nobody")


def test_fetch_comments_live(th: ThreadsConnector, server: ThreadsServer) -> None:
    post = th.publish(request("Launch", thread=("Part two",)))
    bob = server.add_reply(post.network_post_id, "Bravo")
    carol = server.add_reply(bob, "+1", username="carol")
    comments = th.fetch_comments(post.network_post_id)
    assert [(c.network_item_id, c.kind, c.author_handle) for c in comments] == [
        (bob, "comment", "bobdurand"),
        (carol, "reply", "carol"),
    ]
    assert comments[1].parent_network_id == bob


def test_fetch_comments_from_the_documented_shape(
    th: ThreadsConnector, server: ThreadsServer
) -> None:
    server.seeded_conversations["777"] = "conversation__two_replies"
    first, second = th.fetch_comments("777")  # our own answer is left out
    assert (first.text, first.kind, first.author_handle) == (
        "Bravo ! Ouvert dimanche ?",
        "comment",
        "bobdurand",
    )
    assert first.created_at == datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
    assert second.kind == "reply" and second.parent_network_id == first.network_item_id
    assert [c.network_item_id for c in th.fetch_comments("777", first.network_item_id)] == [
        second.network_item_id
    ]


def test_fetch_metrics(th: ThreadsConnector, server: ThreadsServer) -> None:
    post = th.publish(request())
    server.insights[post.network_post_id] = {
        "views": 1200,
        "likes": 40,
        "replies": 5,
        "reposts": 3,
        "quotes": 1,
        "shares": 2,
    }
    m = th.fetch_metrics(post.network_post_id)
    assert (m.impressions, m.reactions, m.comments, m.shares) == (1200, 40, 5, 6)


def test_delete(th: ThreadsConnector, server: ThreadsServer) -> None:
    post = th.publish(request())
    th.delete(post.network_post_id)
    assert post.network_post_id not in server.posts
    th.delete(post.network_post_id)  # "does not exist": already gone
    other = server.add_reply(th.publish(request("again")).network_post_id, "not mine")
    with pytest.raises(Rejected, match="Permission denied"):
        th.delete(other)


# --- tokens and failure classes ---


def test_refresh_long_lived_token(th: ThreadsConnector, server: ThreadsServer) -> None:
    creds = th.refresh_token()
    assert server.tokens[creds["access_token"]] == USER_ID and creds["long_lived"] == "true"
    assert datetime.fromisoformat(creds["expires_at"]) > datetime.now(UTC) + timedelta(days=59)
    assert server.requests()[-1]["path"] == "/refresh_access_token"


def _with_secret(server: ThreadsServer, token: str, **creds: str) -> ThreadsConnector:
    account = AccountContext(1, "a", {"access_token": token, **creds}, base_url=server.url)
    return ThreadsConnector(account, app_credentials={"client_secret": APP_SECRET})


def test_short_lived_token_is_exchanged_then_refreshed(server: ThreadsServer) -> None:
    with _with_secret(server, server.short_token()) as th:
        creds = th.refresh_token()
    assert creds["access_token"] not in server.short_lived and creds["long_lived"] == "true"
    assert server.requests()[-1]["path"] == "/access_token"
    with _with_secret(server, DEFAULT_TOKEN) as th:  # long-lived but not marked: falls back
        assert th.refresh_token()["access_token"] in server.tokens
    with _with_secret(server, creds["access_token"], long_lived="true") as th:
        assert th.refresh_token()["access_token"] in server.tokens
    account = AccountContext(1, "a", {"access_token": server.short_token()}, base_url=server.url)
    with ThreadsConnector(account) as th, pytest.raises(Rejected, match="short-lived"):
        th.refresh_token()  # no app secret: the short token cannot become long-lived


def test_code_190_is_auth_expired(server: ThreadsServer) -> None:
    th = connector_for(server, token="expired")
    with th, pytest.raises(AuthExpired, match="Session has expired"):
        th.publish(request())
    with connector_for(server, token="") as th, pytest.raises(AuthExpired):
        th.publish(request())


def test_rate_limit_reads_the_usage_headers(th: ThreadsConnector, server: ThreadsServer) -> None:
    server.fail_next(400, code=4, headers=server.rate_limit_headers())
    with pytest.raises(RateLimited, match="Application request limit") as caught:
        th.publish(request())
    assert caught.value.retry_after == 15 * 60
    assert retry_after_seconds(httpx.Response(400, headers={"x-app-usage": "{bad"})) == 3600


def test_5xx_and_unknown_error_are_transient(th: ThreadsConnector, server: ThreadsServer) -> None:
    server.fail_next(500, code=1)
    with pytest.raises(Transient, match="unknown error"):
        th.publish(request())


def test_odd_bodies() -> None:
    account = AccountContext(1, "a", {"access_token": "t", "user_id": "1"}, base_url="http://t")
    html = httpx.MockTransport(lambda r: httpx.Response(502, text="<h1>Bad gateway</h1>"))
    with httpx.Client(transport=html) as http, pytest.raises(Transient, match="Bad gateway"):
        ThreadsConnector(account, http=http).fetch_metrics("1")
    weird = httpx.MockTransport(lambda r: httpx.Response(200, json=[]))
    with httpx.Client(transport=weird) as http, pytest.raises(Transient, match="unexpected"):
        ThreadsConnector(account, http=http).fetch_metrics("1")


def test_connect_error_before_sending_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    account = AccountContext(1, "a", {"access_token": "t"}, base_url=f"http://127.0.0.1:{port}")
    with ThreadsConnector(account, timeout=1) as th, pytest.raises(Transient):
        th.publish(request())


def test_find_published_pages_and_gives_up(
    th: ThreadsConnector, server: ThreadsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    since = datetime.now(UTC)
    target = th.publish(request("Oldest"))
    for i in range(4):
        th.publish(request(f"filler {i}"))
    monkeypatch.setattr(threads_module, "RECONCILE_PAGE", 2)
    found = th.find_published(request("Oldest"), since)
    assert found is not None and found.network_post_id == target.network_post_id
    monkeypatch.setattr(threads_module, "RECONCILE_MAX_PAGES", 2)
    with pytest.raises(Transient, match="cannot settle"):
        th.find_published(request("Absent"), since)
    th.publish(request("Full", thread=("Two",), first_comment="PS"))
    monkeypatch.setattr(threads_module, "RECONCILE_PAGE", 100)
    full = th.find_published(request("Full", thread=("Two",), first_comment="PS"), since)
    assert full is not None and "missing_parts" not in full.extra
    assert full.extra["first_comment_id"] and len(full.extra["thread_ids"]) == 1


def test_result_survives_an_unreadable_permalink(
    th: ThreadsConnector, server: ThreadsServer
) -> None:
    server.fail_next(500, method="GET", path="/v1.0/", after=1, code=1)  # after the quota read
    result = th.publish(request("No link yet"))
    assert result.url is None and result.network_post_id == server.published[0]["id"]


def test_usage_header_shapes() -> None:
    business = {"1": [{"estimated_time_to_regain_access": 3}], "2": [{"call_count": 1}]}
    response = httpx.Response(400, headers={"x-business-use-case-usage": json.dumps(business)})
    assert retry_after_seconds(response) == 180
