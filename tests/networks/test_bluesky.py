"""The Bluesky connector against a local PDS speaking the documented XRPC shapes."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks import bluesky as bluesky_module
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.bluesky import BlueskyConnector, jwt_expiry, retry_after_seconds
from clairon.networks.bluesky_facets import detect_facets
from clairon.networks.registry import connector_class
from tests.networks.servers.bluesky_server import DID, HANDLE, PASSWORD, BlueskyServer


@pytest.fixture
def server() -> Iterator[BlueskyServer]:
    with BlueskyServer() as s:
        yield s


def connector_for(
    server: BlueskyServer,
    creds: dict[str, str] | None = None,
    settings: dict[str, object] | None = None,
    **kw: object,
) -> BlueskyConnector:
    credentials = {"identifier": HANDLE, "app_password": PASSWORD, **server.session()}
    account = AccountContext(
        1,
        HANDLE,
        {**credentials, **(creds or {})},
        settings={"video_service_url": server.url, **(settings or {})},
        base_url=server.url,
    )
    return BlueskyConnector(account, **kw)  # type: ignore[arg-type]


@pytest.fixture
def bsky(server: BlueskyServer) -> Iterator[BlueskyConnector]:
    with connector_for(server, timeout=2.0) as connector:
        yield connector


def request(text: str = "Hello from Clairon", **kw: object) -> PublishRequest:
    return PublishRequest(variant_id=1, idempotency_key="v-1", text=text, **kw)  # type: ignore[arg-type]


def image(tmp_path: Path, name: str = "a.png", size: int = 64, alt: str = "") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(b"\x89PNG" + b"0" * (size - 4))
    return MediaFile(path, "image/png", size, width=1200, height=800, alt_text=alt)


# --- registration and rules ---


def test_registered_without_oauth() -> None:
    assert connector_class("bluesky") is BlueskyConnector
    assert Capability.refresh_token in BlueskyConnector.capabilities
    assert Capability.oauth not in BlueskyConnector.capabilities


def test_validate_graphemes_bytes_and_media_kinds(bsky: BlueskyConnector, tmp_path: Path) -> None:
    (family,) = bsky.validate(request("👩‍👩‍👧‍👦" * 300))  # 300 graphemes fit, bytes do not
    assert "7500 bytes is over bluesky's 3000" in str(family)
    assert any("301 graphemes" in str(p) for p in bsky.validate(request("a" * 301)))
    gif = tmp_path / "a.gif"
    gif.write_bytes(b"GIF89a")
    anim = MediaFile(gif, "image/gif", 6, width=10, height=10, duration_seconds=2)
    assert any("convert GIFs to MP4" in str(p) for p in bsky.validate(request(media=(anim,))))


# --- facets ---


def test_facets_on_utf8_byte_offsets(bsky: BlueskyConnector, server: BlueskyServer) -> None:
    friend = server.add_user("bob.bsky.social")
    text = (
        "Café ☕ avec @bob.bsky.social et @ghost.example.com: https://shop.example/a?b=1. #Paris!"
    )
    result = bsky.publish(request(text))
    record = server.posts[result.network_post_id]["record"]
    raw = text.encode()
    spans = [
        (raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0])
        for f in record["facets"]
    ]
    assert spans == [
        ("@bob.bsky.social", {"$type": "app.bsky.richtext.facet#mention", "did": friend}),
        (
            "https://shop.example/a?b=1",
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://shop.example/a?b=1"},
        ),
        ("#Paris", {"$type": "app.bsky.richtext.facet#tag", "tag": "Paris"}),
    ]  # the unknown handle stays plain text


def test_detect_facets_edge_cases() -> None:
    def found(text: str) -> list[tuple[str, str]]:
        return [(f.kind, f.value) for f in detect_facets(text)]

    assert found("(https://en.wikipedia.org/wiki/Foo_(bar)) #123 #tag…") == [
        ("link", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("tag", "tag"),
    ]
    assert found("mail a@b.com; see https://x.org/#frag") == [("link", "https://x.org/#frag")]
    assert found("＃全角 #" + "a" * 65) == [("tag", "全角")]
    assert found("https:// nothing") == []


_WORDS = st.sampled_from(
    [
        "café",
        "👩‍👩‍👧‍👦",
        "日本語",
        "שלום",
        "#tag",
        "#Été",
        "@bob.bsky.social",
        "https://ex.org/a?b=1",
        "(https://ex.org/p)",
        "text.",
        "e\u0301",
        "🇫🇷",
        "#42",
    ]
)


@given(st.lists(_WORDS, max_size=12), st.sampled_from([" ", "\n", "  "]))
def test_facet_byte_slices_are_their_entities(words: list[str], sep: str) -> None:
    text = sep.join(words)
    raw = text.encode("utf-8")
    facets = detect_facets(text)
    last = 0
    for facet in facets:
        piece = raw[facet.byte_start : facet.byte_end].decode("utf-8")
        assert piece == text[facet.start : facet.end]
        assert facet.byte_start >= last
        last = facet.byte_end
        expected = {"link": facet.value, "tag": "#" + facet.value, "mention": "@" + facet.value}
        assert piece == expected[facet.kind]
    assert sum(1 for f in facets if f.kind == "mention") == text.count("@bob.bsky.social")


# --- publishing ---


def test_publish_text_with_language(bsky: BlueskyConnector, server: BlueskyServer) -> None:
    result = bsky.publish(request(language="fr"))
    (created,) = server.created
    assert created["record"]["langs"] == ["fr"] and "facets" not in created["record"]
    assert result.network_post_id.startswith(f"at://{DID}/app.bsky.feed.post/")
    rkey = result.network_post_id.rsplit("/", 1)[1]
    assert result.url == f"https://bsky.app/profile/{HANDLE}/post/{rkey}"


def test_images_with_alt_text_and_aspect_ratio(
    bsky: BlueskyConnector, server: BlueskyServer, tmp_path: Path
) -> None:
    photos = (image(tmp_path, "a.png", alt="Shop front"), image(tmp_path, "b.png", 80))
    result = bsky.publish(request("Photos", media=photos))
    embed = server.posts[result.network_post_id]["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [i["alt"] for i in embed["images"]] == ["Shop front", ""]
    assert embed["images"][0]["aspectRatio"] == {"width": 1200, "height": 800}
    assert [i["image"]["size"] for i in embed["images"]] == [64, 80]


def clip(tmp_path: Path) -> MediaFile:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"v" * 100)
    return MediaFile(path, "video/mp4", 112, 1080, 1920, duration_seconds=8, alt_text="Latte art")


def test_video_through_the_video_service(server: BlueskyServer, tmp_path: Path) -> None:
    server.video_polls = 2
    with connector_for(server, settings={"video_poll_interval": 0.01}) as bsky:
        result = bsky.publish(request("Watch", media=(clip(tmp_path),)))
    embed = server.posts[result.network_post_id]["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.video" and embed["alt"] == "Latte art"
    assert embed["aspectRatio"] == {"width": 1080, "height": 1920}
    assert embed["video"]["mimeType"] == "video/mp4" and embed["video"]["size"] == 112
    polls = [r for r in server.requests() if r["path"].endswith("getJobStatus")]
    assert len(polls) == 3


def test_video_refused_or_slow(server: BlueskyServer, tmp_path: Path) -> None:
    server.video_fails = True
    failing = connector_for(server, settings={"video_poll_interval": 0.01})
    with failing, pytest.raises(Rejected, match="Video is too long"):
        failing.publish(request(media=(clip(tmp_path),)))
    server.video_fails, server.video_polls = False, 1000
    settings = {"video_poll_interval": 0.01, "video_poll_timeout": 0.05}
    slow = connector_for(server, settings=settings)
    with slow, pytest.raises(Transient, match="still processing"):
        slow.publish(request(media=(clip(tmp_path),)))
    assert server.created == []


def test_blob_too_large_is_rejected(bsky: BlueskyConnector, tmp_path: Path) -> None:
    with pytest.raises(Rejected, match="BlobTooLarge: This file is too large"):
        bsky.publish(request(media=(image(tmp_path, size=1_000_100),)))


def test_media_uploaded_but_post_rejected(
    bsky: BlueskyConnector, server: BlueskyServer, tmp_path: Path
) -> None:
    with pytest.raises(Rejected, match="longer than 300 graphemes") as caught:
        bsky.publish(request("a" * 301, media=(image(tmp_path),)))
    assert caught.value.status == 400
    assert len(server.blobs) == 1 and server.created == []


def test_thread_and_first_comment_refs(bsky: BlueskyConnector, server: BlueskyServer) -> None:
    result = bsky.publish(request("1/3", thread=("2/3", "3/3"), first_comment="PS"))
    main = result.network_post_id
    two, three = result.extra["thread_ids"]
    records = {c["uri"]: c["record"] for c in server.created}
    assert records[two]["reply"]["root"]["uri"] == main
    assert records[two]["reply"]["parent"]["uri"] == main
    assert records[three]["reply"]["root"]["uri"] == main
    assert records[three]["reply"]["parent"] == {"uri": two, "cid": server.posts[two]["cid"]}
    assert records[result.extra["first_comment_id"]]["reply"]["parent"]["uri"] == main


def test_failed_thread_part_is_reported_not_raised(
    bsky: BlueskyConnector, server: BlueskyServer
) -> None:
    server.fail_next(502, path="/xrpc/com.atproto.repo.createRecord", after=2, count=3)
    result = bsky.publish(request("Main", thread=("Two", "Three"), first_comment="PS"))
    assert result.extra["missing_parts"] == ["thread[3]", "first_comment"]
    assert "Upstream Failure" in result.extra["partial_error"]
    assert [c["text"] for c in server.created] == ["Main", "Two"]


def test_reply_keeps_the_conversation_root(bsky: BlueskyConnector, server: BlueskyServer) -> None:
    post = bsky.publish(request("Launch"))
    bob = server.add_reply(post.network_post_id, "When?")
    answer = bsky.reply(bob, "Tomorrow")
    reply = server.posts[answer.network_post_id]["record"]["reply"]
    assert reply["root"]["uri"] == post.network_post_id and reply["parent"]["uri"] == bob
    threaded = bsky.publish(request("Also this", reply_to=bob))
    assert server.posts[threaded.network_post_id]["record"]["reply"]["root"]["uri"] == (
        post.network_post_id
    )
    with pytest.raises(Rejected, match="has no post"):
        bsky.reply(f"at://{DID}/app.bsky.feed.post/3zzzzzzzzzzzz", "hi")


def test_delete_is_idempotent(bsky: BlueskyConnector, server: BlueskyServer) -> None:
    post = bsky.publish(request())
    bsky.delete(post.network_post_id)
    assert post.network_post_id not in server.posts
    bsky.delete(post.network_post_id)


# --- reading ---


def test_fetch_comments_live(bsky: BlueskyConnector, server: BlueskyServer) -> None:
    post = bsky.publish(request("Launch", thread=("Part two",)))
    bob = server.add_reply(post.network_post_id, "Bravo 🎉")
    carol = server.add_reply(bob, "Agreed", handle="carol.example.com")
    comments = bsky.fetch_comments(post.network_post_id)
    assert [(c.network_item_id, c.kind, c.author_handle) for c in comments] == [
        (bob, "comment", "bob.bsky.social"),
        (carol, "reply", "carol.example.com"),
    ]
    assert comments[1].parent_network_id == bob and comments[0].text == "Bravo 🎉"
    assert [c.network_item_id for c in bsky.fetch_comments(post.network_post_id, bob)] == [carol]


def test_fetch_comments_from_the_documented_thread_shape(
    bsky: BlueskyConnector, server: BlueskyServer
) -> None:
    uri = f"at://{DID}/app.bsky.feed.post/3l6oveex3ii2l"
    server.seeded_threads[uri] = "thread__two_replies"
    first, second = bsky.fetch_comments(uri)  # the blocked post is left out
    assert (first.author_name, first.text, first.kind) == (
        "Bob Durand",
        "Bravo ! Ouvert dimanche ? 🎉",
        "comment",
    )
    assert first.created_at == datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
    assert second.kind == "reply" and second.parent_network_id == first.network_item_id
    assert first.url == "https://bsky.app/profile/bob.bsky.social/post/3l6ozzzz1aa2b"


def test_fetch_metrics(bsky: BlueskyConnector, server: BlueskyServer) -> None:
    post = bsky.publish(request())
    server.add_reply(post.network_post_id, "nice")
    server.posts[post.network_post_id].update(likeCount=9, repostCount=2, quoteCount=1)
    m = bsky.fetch_metrics(post.network_post_id)
    assert (m.reactions, m.shares, m.comments) == (9, 3, 1)


# --- sessions ---


def test_refresh_session_then_fallback_to_create_session(server: BlueskyServer) -> None:
    with connector_for(server) as connector:
        fresh = connector.refresh_token()
        assert fresh["did"] == DID and fresh["access_token"] in server.access
        assert fresh["pds_url"] == "https://morel.us-east.host.bsky.network"
        expires = datetime.fromisoformat(fresh["expires_at"])
        assert timedelta(hours=1) < expires - datetime.now(UTC) <= timedelta(hours=2)
    stale = server.session()
    server.expire(stale["refresh_token"])
    with connector_for(server, stale) as connector:
        assert connector.refresh_token()["access_token"] in server.access  # createSession
    assert any(r["path"].endswith("createSession") for r in server.requests())


def test_refresh_failures_need_a_reconnect(server: BlueskyServer) -> None:
    stale = server.session()
    server.expire(stale["refresh_token"])
    connector = connector_for(server, {**stale, "app_password": ""})
    with connector, pytest.raises(AuthExpired, match="Token has expired"):
        connector.refresh_token()
    account = AccountContext(1, "a", {"identifier": HANDLE}, base_url=server.url)
    with BlueskyConnector(account) as connector, pytest.raises(AuthExpired, match="app password"):
        connector.refresh_token()
    wrong = AccountContext(1, "a", {"identifier": HANDLE, "app_password": "x"}, base_url=server.url)
    connector = BlueskyConnector(wrong)
    with connector, pytest.raises(AuthExpired, match="Invalid identifier or password"):
        connector.refresh_token()


def test_jwt_expiry_of_garbage() -> None:
    assert jwt_expiry("not-a-jwt") is None


# --- failure classes ---


def test_expired_access_token_is_auth_expired_even_with_400(
    bsky: BlueskyConnector, server: BlueskyServer
) -> None:
    server.expire(bsky.account.credentials["access_token"])
    with pytest.raises(AuthExpired, match="Token has expired") as caught:
        bsky.publish(request())
    assert caught.value.status == 400 and server.created == []


def test_missing_session_or_did(server: BlueskyServer) -> None:
    with connector_for(server, {"access_token": ""}) as c, pytest.raises(AuthExpired):
        c.publish(request())
    with connector_for(server, {"did": ""}) as c, pytest.raises(AuthExpired, match="DID"):
        c.publish(request())
    forged = connector_for(server, {"access_token": "forged"})
    with forged, pytest.raises(AuthExpired, match="could not be verified"):
        forged.fetch_metrics("at://x/app.bsky.feed.post/1")


def test_429_reads_ratelimit_reset(bsky: BlueskyConnector, server: BlueskyServer) -> None:
    server.fail_next(429, path="/xrpc/com.atproto.repo.createRecord")
    with pytest.raises(RateLimited, match="Rate Limit Exceeded") as caught:
        bsky.publish(request())
    assert 25 < caught.value.retry_after <= 31


def test_retry_after_fallbacks() -> None:
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "5"})) == 5
    assert retry_after_seconds(httpx.Response(429, headers={"ratelimit-reset": "x"})) == 60


def test_5xx_is_transient(bsky: BlueskyConnector, server: BlueskyServer) -> None:
    server.fail_next(502)
    with pytest.raises(Transient, match="502: Upstream Failure"):
        bsky.publish(request())
    with pytest.raises(Transient, match="501"):
        bsky._xrpc("GET", "app.bsky.unknown.method")


def test_non_json_bodies() -> None:
    account = AccountContext(1, "a", {"access_token": "t", "did": "did:plc:a"}, base_url="http://b")
    bad = httpx.MockTransport(lambda r: httpx.Response(400, text="<h1>Bad</h1>"))
    with httpx.Client(transport=bad) as http, pytest.raises(Rejected, match="<h1>Bad"):
        BlueskyConnector(account, http=http).fetch_metrics("at://a/b/c")
    html = httpx.MockTransport(lambda r: httpx.Response(200, text="<html>"))
    with httpx.Client(transport=html) as http, pytest.raises(Transient, match="not a JSON"):
        BlueskyConnector(account, http=http).fetch_metrics("at://a/b/c")
    empty = httpx.MockTransport(lambda r: httpx.Response(200, json={}))
    with httpx.Client(transport=empty) as http, pytest.raises(UnknownOutcome, match="without"):
        BlueskyConnector(account, http=http).publish(request())


def test_connect_error_before_sending_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    creds = {"access_token": "t", "did": "did:plc:a"}
    account = AccountContext(1, "a", creds, base_url=f"http://127.0.0.1:{port}")
    with BlueskyConnector(account, timeout=1) as c, pytest.raises(Transient):
        c.publish(request())


def test_dropped_answer_is_unknown_then_reconciled(
    bsky: BlueskyConnector, server: BlueskyServer
) -> None:
    since = datetime.now(UTC)
    server.drop_after(path="/xrpc/com.atproto.repo.createRecord")
    with pytest.raises(UnknownOutcome):
        bsky.publish(request("Dropped #but @nobody.example created"))
    found = bsky.find_published(request("Dropped #but @nobody.example created"), since)
    assert found is not None and found.extra == {"reconciled": True}
    assert found.network_post_id == server.created[0]["uri"]


def test_timeout_after_send_is_unknown_then_reconciled(server: BlueskyServer) -> None:
    since = datetime.now(UTC)
    server.delay_after(1.0, path="/xrpc/com.atproto.repo.createRecord")
    with connector_for(server, timeout=0.3) as connector:
        with pytest.raises(UnknownOutcome, match="no answer"):
            connector.publish(request("Slow"))
        assert connector.find_published(request("Slow"), since) is not None
    server.delay_after(1.0, path="/xrpc/app.bsky.feed.getPosts", method="GET")
    with connector_for(server, timeout=0.3) as connector, pytest.raises(Transient):
        connector.fetch_metrics(server.created[0]["uri"])


def test_find_published_absence_threads_and_depth(
    bsky: BlueskyConnector, server: BlueskyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    since = datetime.now(UTC)
    bsky.publish(request("Main", thread=("Two",)))
    assert bsky.find_published(request("Never sent"), since) is None
    found = bsky.find_published(request("Main", thread=("Two", "Three"), first_comment="PS"), since)
    assert found is not None
    assert found.extra["missing_parts"] == ["thread[3]", "first_comment"]
    assert len(found.extra["thread_ids"]) == 1
    bsky.publish(request("Solo", first_comment="PS"))
    solo = bsky.find_published(request("Solo", first_comment="PS"), since)
    assert solo is not None and solo.extra["first_comment_id"]
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert bsky.find_published(request("Main"), later) is None  # older than since: proved absent
    monkeypatch.setattr(bluesky_module, "RECONCILE_PAGE", 1)
    monkeypatch.setattr(bluesky_module, "RECONCILE_MAX_PAGES", 2)
    with pytest.raises(Transient, match="cannot settle"):
        bsky.find_published(request("Absent"), since)
