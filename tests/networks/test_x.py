"""The X connector against a local server speaking the documented API v2 shapes."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks import x as x_module
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.registry import connector_class
from clairon.networks.x import XConnector, comparable_text, retry_after_seconds
from tests.networks.servers.x_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_TOKEN,
    REFRESH_TOKEN,
    XServer,
    tco,
)


@pytest.fixture
def server() -> Iterator[XServer]:
    with XServer() as s:
        yield s


def connector_for(server: XServer, token: str = DEFAULT_TOKEN, **kw: object) -> XConnector:
    account = AccountContext(
        account_id=1,
        handle="claironcafe",
        credentials={"access_token": token, "refresh_token": REFRESH_TOKEN},
        settings={"media_poll_interval": 0.01, "media_poll_timeout": 5, "media_chunk_bytes": 40},
        base_url=server.url,
    )
    return XConnector(
        account,
        app_credentials={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def x(server: XServer) -> Iterator[XConnector]:
    with connector_for(server, timeout=2.0) as connector:
        yield connector


def request(text: str = "Hello from Clairon", **kw: object) -> PublishRequest:
    return PublishRequest(variant_id=1, idempotency_key="v-1", text=text, **kw)  # type: ignore[arg-type]


def media_file(tmp_path: Path, name: str, mime: str, size: int = 100, alt: str = "") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    return MediaFile(path=path, mime=mime, size_bytes=size, width=10, height=10, alt_text=alt)


# --- registration, capabilities, rules ---


def test_registered_with_its_capabilities_and_oauth() -> None:
    assert connector_class("x") is XConnector
    assert {Capability.thread, Capability.refresh_token, Capability.reconcile} <= (
        XConnector.capabilities
    )
    assert XConnector.oauth is not None and "offline.access" in XConnector.oauth.scopes
    assert XConnector.oauth.authorize_url == "https://x.com/i/oauth2/authorize"


def test_limits_and_validate_use_weighted_length(x: XConnector) -> None:
    assert x.limits().max_length == 280
    assert x.validate(request("é" * 280)) == []
    problems = x.validate(request("你" * 141))
    assert problems and "282 weighted characters" in str(problems[0])


def test_whoami(x: XConnector) -> None:
    assert x.whoami() == ("claironcafe", "Clairon Café")


# --- publishing ---


def test_publish_text(x: XConnector, server: XServer) -> None:
    result = x.publish(request())
    assert server.created == [
        {"id": result.network_post_id, "text": "Hello from Clairon", "in_reply_to": None}
    ]
    assert result.url == f"https://x.com/claironcafe/status/{result.network_post_id}"
    assert result.extra == {}


def test_thread_and_first_comment_are_reply_chains(x: XConnector, server: XServer) -> None:
    result = x.publish(request("1/3 Big news", thread=("2/3 More", "3/3 End"), first_comment="PS"))
    main = result.network_post_id
    two, three = result.extra["thread_ids"]
    by_text = {c["text"]: c for c in server.created}
    assert by_text["2/3 More"]["in_reply_to"] == main
    assert by_text["3/3 End"]["in_reply_to"] == two and by_text["3/3 End"]["id"] == three
    assert by_text["PS"]["in_reply_to"] == main
    assert result.extra["first_comment_id"] == by_text["PS"]["id"]


def test_failed_thread_part_is_reported_not_raised(x: XConnector, server: XServer) -> None:
    # the main post exists: a retry would post it again, so the gap is reported instead
    server.fail_next(503, count=5, path="/2/tweets", method="POST", after=2)
    partial = x.publish(request("Main", thread=("Two", "Three"), first_comment="PS"))
    assert partial.extra["missing_parts"] == ["thread[3]", "first_comment"]
    assert "Transient" in partial.extra["partial_error"]
    assert [c["text"] for c in server.created] == ["Main", "Two"]
    assert partial.extra["thread_ids"] == [server.created[1]["id"]]


def test_image_upload_with_alt_text(x: XConnector, server: XServer, tmp_path: Path) -> None:
    photo = media_file(tmp_path, "shop.png", "image/png", alt="The shop at dusk")
    result = x.publish(request("With a photo", media=(photo,)))
    record = server.tweets[result.network_post_id]
    (media_id,) = record["media_ids"]
    assert server.media[media_id]["alt_text"] == "The shop at dusk"
    assert record["text"] == f"With a photo {tco('media:' + result.network_post_id)}"


def test_video_chunked_upload_waits_for_processing(
    x: XConnector, server: XServer, tmp_path: Path
) -> None:
    server.media_polls = 2
    clip = media_file(tmp_path, "clip.mp4", "video/mp4", size=130)
    result = x.publish(request("A clip", media=(clip,)))
    (media_id,) = server.tweets[result.network_post_id]["media_ids"]
    assert sorted(server.media[media_id]["chunks"]) == [0, 1, 2, 3]  # 40-byte chunks
    paths = [r["path"] for r in server.requests()]
    assert paths.count("/2/media/upload") == 3  # STATUS: in_progress, in_progress, succeeded
    assert paths[0] == "/2/media/upload/initialize"


def test_media_processing_failure_is_rejected(
    x: XConnector, server: XServer, tmp_path: Path
) -> None:
    server.media_fails = True
    with pytest.raises(Rejected, match="Unsupported video format"):
        x.publish(request("A clip", media=(media_file(tmp_path, "c.gif", "image/gif"),)))
    assert server.created == []


def test_media_still_processing_after_the_deadline_is_transient(
    server: XServer, tmp_path: Path
) -> None:
    server.media_polls = 1000
    account = AccountContext(
        1,
        "a",
        {"access_token": DEFAULT_TOKEN},
        settings={"media_poll_interval": 0.01, "media_poll_timeout": 0.05},
        base_url=server.url,
    )
    with XConnector(account) as connector, pytest.raises(Transient, match="still processing"):
        connector.publish(request(media=(media_file(tmp_path, "c.mp4", "video/mp4"),)))


def test_media_uploaded_but_post_rejected(x: XConnector, server: XServer, tmp_path: Path) -> None:
    photo = media_file(tmp_path, "p.jpg", "image/jpeg")
    with pytest.raises(Rejected, match="too long") as caught:
        x.publish(request("x" * 300, media=(photo,)))
    assert caught.value.status == 400
    assert len(server.media) == 1 and server.created == []


def test_duplicate_content_is_rejected_with_the_detail(x: XConnector) -> None:
    x.publish(request())
    with pytest.raises(Rejected) as caught:
        x.publish(request())
    assert caught.value.reason == "You are not allowed to create a Tweet with duplicate content."
    assert caught.value.status == 403


def test_reply_and_delete(x: XConnector, server: XServer) -> None:
    post = x.publish(request())
    comment = server.add_reply(post.network_post_id, "@claironcafe when?")
    answer = x.reply(comment, "Tomorrow at 9!")
    assert server.tweets[answer.network_post_id]["referenced_tweets"][0]["id"] == comment
    x.delete(answer.network_post_id)
    assert answer.network_post_id not in server.tweets
    x.delete(answer.network_post_id)  # already gone
    with pytest.raises(Rejected, match="not authorized"):
        x.delete(comment)


def test_reply_to_a_missing_post_is_rejected(x: XConnector) -> None:
    with pytest.raises(Rejected, match="deleted or is not visible"):
        x.reply("42", "hello")


# --- reading ---


def test_fetch_comments_live(x: XConnector, server: XServer) -> None:
    post = x.publish(request("Launch", thread=("Part two",)))
    bob = server.add_reply(post.network_post_id, "Congrats & bravo <3")
    carol = server.add_reply(bob, "Agreed", token="token-carol")
    comments = x.fetch_comments(post.network_post_id)
    assert [c.network_item_id for c in comments] == [bob, carol]
    first, second = comments
    assert (first.kind, first.parent_network_id, first.author_handle) == (
        "comment",
        post.network_post_id,
        "bob",
    )
    assert first.text == "Congrats & bravo <3"
    assert (second.kind, second.parent_network_id) == ("reply", bob)
    assert [c.network_item_id for c in x.fetch_comments(post.network_post_id, bob)] == [carol]


def test_fetch_comments_from_the_documented_search_shape(x: XConnector, server: XServer) -> None:
    server.seeded_search["99"] = "search_recent__two_replies"
    first, second = x.fetch_comments("99")
    assert first.text == "@claironcafe Is the terrace open & heated? https://t.co/abc123"
    assert (first.author_handle, first.author_name, first.author_followers) == (
        "bobdurand",
        "Bob Durand",
        87,
    )
    assert first.created_at == datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
    assert second.kind == "reply" and second.parent_network_id == first.network_item_id


def test_fetch_metrics(x: XConnector, server: XServer) -> None:
    post = x.publish(request())
    server.set_metrics(
        post.network_post_id,
        like_count=17,
        retweet_count=3,
        quote_count=1,
        reply_count=2,
        bookmark_count=4,
        impression_count=1200,
    )
    m = x.fetch_metrics(post.network_post_id)
    assert (m.impressions, m.reactions, m.shares, m.comments, m.saves) == (1200, 17, 4, 2, 4)


def test_metrics_of_a_missing_post_is_rejected(x: XConnector) -> None:
    with pytest.raises(Rejected, match=r"Could not find tweet with id: \[7\]"):
        x.fetch_metrics("7")


# --- OAuth ---


def test_refresh_token_rotates(x: XConnector, server: XServer) -> None:
    creds = x.refresh_token()
    assert creds["refresh_token"] != REFRESH_TOKEN and creds["access_token"] in server.tokens
    assert datetime.fromisoformat(creds["expires_at"]) > datetime.now(UTC)
    with pytest.raises(AuthExpired, match="reconnect needed"):
        x.refresh_token()  # the old refresh token was used up


def test_refresh_without_a_refresh_token(server: XServer) -> None:
    account = AccountContext(1, "a", {"access_token": "t"}, base_url=server.url)
    with XConnector(account) as connector, pytest.raises(AuthExpired, match="no X refresh"):
        connector.refresh_token()


def test_refresh_with_wrong_app_credentials_is_refused(server: XServer) -> None:
    account = AccountContext(1, "a", {"refresh_token": REFRESH_TOKEN}, base_url=server.url)
    connector = XConnector(account, app_credentials={"client_id": "nope"})
    with connector, pytest.raises(AuthExpired, match="unauthorized_client"):
        connector.refresh_token()


# --- failure classes ---


def test_401_is_auth_expired(server: XServer) -> None:
    connector = connector_for(server, token="revoked")
    with connector, pytest.raises(AuthExpired, match="Unauthorized") as caught:
        connector.publish(request())
    assert caught.value.status == 401
    with connector_for(server, token="") as connector, pytest.raises(AuthExpired):
        connector.publish(request())


def test_429_reads_the_epoch_reset(x: XConnector, server: XServer) -> None:
    server.fail_next(429, path="/2/tweets")
    with pytest.raises(RateLimited) as caught:
        x.publish(request())
    assert 25 < caught.value.retry_after <= 31
    assert server.created == []


def test_retry_after_prefers_the_exhausted_24_hour_cap() -> None:
    now = 1_800_000_000.0
    capped = httpx.Response(
        429,
        headers={
            "x-rate-limit-remaining": "5",
            "x-rate-limit-reset": str(int(now) + 60),
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(int(now) + 3600),
        },
    )
    assert retry_after_seconds(capped, now) == 3600
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "7"}), now) == 7
    junk = httpx.Response(429, headers={"x-rate-limit-reset": "soon"})
    assert retry_after_seconds(junk, now) == 900


def test_5xx_is_transient(x: XConnector, server: XServer) -> None:
    server.fail_next(503)
    with pytest.raises(Transient, match="503") as caught:
        x.publish(request())
    assert caught.value.status == 503


def test_non_json_bodies() -> None:
    account = AccountContext(1, "a", {"access_token": "t"}, base_url="http://x.example")
    transport = httpx.MockTransport(lambda r: httpx.Response(400, text="<h1>Bad</h1>"))
    with httpx.Client(transport=transport) as http, pytest.raises(Rejected, match="<h1>Bad"):
        XConnector(account, http=http).fetch_metrics("1")
    html_ok = httpx.MockTransport(lambda r: httpx.Response(200, text="<html>"))
    with httpx.Client(transport=html_ok) as http, pytest.raises(Transient, match="not JSON"):
        XConnector(account, http=http).fetch_metrics("1")
    listed = httpx.MockTransport(lambda r: httpx.Response(201, json=[1]))
    with httpx.Client(transport=listed) as http, pytest.raises(Transient, match="unexpected"):
        XConnector(account, http=http).publish(request())
    empty = httpx.MockTransport(lambda r: httpx.Response(201, json={"data": {}}))
    with httpx.Client(transport=empty) as http, pytest.raises(UnknownOutcome, match="without"):
        XConnector(account, http=http).publish(request())


def test_connect_error_before_sending_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    account = AccountContext(1, "a", {"access_token": "t"}, base_url=f"http://127.0.0.1:{port}")
    with XConnector(account, timeout=1) as connector, pytest.raises(Transient):
        connector.publish(request())


def test_dropped_answer_is_unknown_then_reconciled(x: XConnector, server: XServer) -> None:
    since = datetime.now(UTC)
    server.drop_after(path="/2/tweets")
    text = "Dropped & see https://example.org/a?b=c"
    with pytest.raises(UnknownOutcome):
        x.publish(request(text))
    found = x.find_published(request(text), since)
    assert found is not None and found.extra == {"reconciled": True}
    assert [c["id"] for c in server.created] == [found.network_post_id]


def test_timeout_after_send_is_unknown_then_reconciled(server: XServer) -> None:
    since = datetime.now(UTC)
    server.delay_after(1.0, path="/2/tweets")
    with connector_for(server, timeout=0.3) as connector:
        with pytest.raises(UnknownOutcome, match="no answer"):
            connector.publish(request("Slow one"))
        assert connector.find_published(request("Slow one"), since) is not None


def test_read_timeout_on_a_repeatable_call_is_transient(server: XServer) -> None:
    server.delay_after(1.0, path="/2/users/me", method="GET")
    with connector_for(server, timeout=0.3) as connector, pytest.raises(Transient):
        connector.whoami()


def test_find_published_proves_absence_and_matches_replies_exactly(
    x: XConnector, server: XServer
) -> None:
    since = datetime.now(UTC)
    target = x.publish(request("The one"))
    x.reply(target.network_post_id, "The one, again")
    assert x.find_published(request("Never sent"), since) is None
    found = x.find_published(request("The one"), since)
    assert found is not None and found.network_post_id == target.network_post_id
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert x.find_published(request("The one"), later) is None


def test_find_published_reports_thread_parts(x: XConnector, server: XServer) -> None:
    since = datetime.now(UTC)
    x.publish(request("Main", thread=("Two",)))
    full = request("Main", thread=("Two", "Three"), first_comment="PS")
    found = x.find_published(full, since)
    assert found is not None
    assert found.extra["missing_parts"] == ["thread[3]", "first_comment"]
    assert len(found.extra["thread_ids"]) == 1
    none_done = request("Solo", thread=("Two",), first_comment="PS")
    x.publish(request("Solo", first_comment="PS"))
    solo = x.find_published(none_done, since)
    assert solo is not None and solo.extra["missing_parts"] == ["thread[2]"]
    assert solo.extra["first_comment_id"]


def test_find_published_pages_and_gives_up_when_too_deep(
    x: XConnector, server: XServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    since = datetime.now(UTC)
    target = x.publish(request("Oldest"))
    for i in range(5):
        x.publish(request(f"filler {i}"))
    monkeypatch.setattr(x_module, "RECONCILE_PAGE", 2)
    found = x.find_published(request("Oldest"), since)
    assert found is not None and found.network_post_id == target.network_post_id
    monkeypatch.setattr(x_module, "RECONCILE_MAX_PAGES", 2)
    with pytest.raises(Transient, match="cannot settle"):
        x.find_published(request("Absent"), since)


def test_comparable_text() -> None:
    assert comparable_text("a &amp; b  https://t.co/x\n") == "a & b"
    assert comparable_text("a & b https://example.org/long") == "a & b"
