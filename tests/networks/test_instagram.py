"""The Instagram connector against a local server speaking the documented Graph API shapes."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.graph import parse_graph_time, retry_after_seconds
from clairon.networks.instagram import InstagramConnector
from clairon.networks.registry import connector_class
from tests.networks.servers.instagram_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_TOKEN,
    IG_USER,
    USERNAME,
    InstagramServer,
)
from tests.networks.servers.meta_graph import usage_headers

PUBLISH = "/v23.0/" + IG_USER + "/media_publish"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InstagramServer]:
    with InstagramServer(media_dir=tmp_path) as s:
        yield s


def connector_for(
    server: InstagramServer, token: str = DEFAULT_TOKEN, **settings: Any
) -> InstagramConnector:
    account = AccountContext(
        1,
        USERNAME,
        {"access_token": token},
        settings={
            "public_media_base_url": f"{server.url}/media",
            "container_poll_interval": 0.01,
            "container_poll_timeout": 2,
            **settings,
        },
        base_url=server.url,
    )
    return InstagramConnector(account, timeout=2.0)


@pytest.fixture
def ig(server: InstagramServer) -> Iterator[InstagramConnector]:
    with connector_for(server) as connector:
        yield connector


def image(tmp_path: Path, name: str = "a.jpg", alt: str = "") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(b"\xff\xd8\xff" + name.encode() * 10)
    return MediaFile(path, "image/jpeg", path.stat().st_size, 1080, 1350, alt_text=alt)


def video(tmp_path: Path, name: str = "r.mp4") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + name.encode() * 10)
    return MediaFile(path, "video/mp4", path.stat().st_size, 1080, 1920, duration_seconds=12.0)


def request(text: str = "Fresh croissants #bakery", **kw: Any) -> PublishRequest:
    return PublishRequest(variant_id=1, idempotency_key="v-1", text=text, **kw)


def paths(server: InstagramServer, method: str = "POST") -> list[str]:
    return [r["path"] for r in server.requests() if r["method"] == method]


# --- registration, identity, rules ---


def test_registered_capabilities_and_oauth() -> None:
    assert connector_class("instagram") is InstagramConnector
    caps = InstagramConnector.capabilities
    assert Capability.first_comment in caps and Capability.reconcile in caps
    assert Capability.thread not in caps and Capability.delete not in caps
    assert InstagramConnector.oauth is not None
    assert InstagramConnector.oauth.token_url == "https://api.instagram.com/oauth/access_token"
    assert "instagram_business_content_publish" in InstagramConnector.oauth.scopes
    assert InstagramConnector.max_concurrency == 1


def test_whoami(ig: InstagramConnector) -> None:
    assert ig.whoami() == (USERNAME, "Clairon Café")
    assert ig.user_id == IG_USER


def test_validate(ig: InstagramConnector, server: InstagramServer, tmp_path: Path) -> None:
    assert ig.validate(request(media=(image(tmp_path),))) == []
    problems = [str(p) for p in ig.validate(request("x" * 2201 + " #a #b #c #d #e #f"))]
    assert any("2201" not in p and "over instagram's limit of 2200" in p for p in problems)
    assert any("6 hashtags" in p for p in problems)
    assert any("at least one image" in p for p in problems)
    with connector_for(server, public_media_base_url="") as bare:
        problems = [str(p) for p in bare.validate(request(media=(image(tmp_path),)))]
        assert any("public_media_base_url" in p for p in problems)
    with connector_for(server, max_hashtags=30) as relaxed:
        assert relaxed.limits().max_hashtags == 30
    assert any("threads" in str(p) for p in ig.validate(request(thread=("two",))))


def test_publish_refuses_invalid_request_before_any_call(
    ig: InstagramConnector, server: InstagramServer
) -> None:
    with pytest.raises(Rejected, match="at least one image"):
        ig.publish(request())
    assert paths(server) == []


# --- publishing ---


def test_publish_image_with_alt_text_and_first_comment(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    result = ig.publish(
        request(media=(image(tmp_path, alt="Croissants on a tray"),), first_comment="Order: x.co")
    )
    (post,) = server.published()
    assert result.network_post_id == post["id"]
    assert result.url == post["permalink"]
    assert result.published_at is not None and result.published_at.tzinfo is not None
    assert post["caption"] == "Fresh croissants #bakery"
    assert post["alt_text"] == "Croissants on a tray"
    assert result.extra["first_comment_id"]
    (comment,) = server.comments.values()
    assert comment["text"] == "Order: x.co" and comment["media"] == post["id"]
    # the quota is read before any container is created
    gets = [r["path"] for r in server.requests()]
    assert gets.index(f"/v23.0/{IG_USER}/content_publishing_limit") < gets.index(
        f"/v23.0/{IG_USER}/media"
    )
    assert server.quota_usage == 1


def test_publish_carousel(ig: InstagramConnector, server: InstagramServer, tmp_path: Path) -> None:
    files = tuple(image(tmp_path, f"{i}.jpg", alt=f"photo {i}") for i in range(3))
    result = ig.publish(request(media=files, post_type="carousel"))
    (post,) = server.published()
    assert post["media_type"] == "CAROUSEL_ALBUM" and len(post["children"]) == 3
    children = [server.containers[c] for c in post["children"]]
    assert all(c["carousel_item"] for c in children)
    assert [c["alt_text"] for c in children] == ["photo 0", "photo 1", "photo 2"]
    assert result.network_post_id == post["id"]


def test_carousel_rules_enforced(ig: InstagramConnector, tmp_path: Path) -> None:
    one = (image(tmp_path),)
    assert ig.validate(request(media=one, post_type="carousel"))
    eleven = tuple(image(tmp_path, f"{i}.jpg") for i in range(11))
    assert ig.validate(request(media=eleven, post_type="carousel"))


def test_publish_reel_waits_for_processing(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    server.processing_polls = 3
    result = ig.publish(request(media=(video(tmp_path),), post_type="reel"))
    (post,) = server.published()
    assert post["media_type"] == "VIDEO" and result.network_post_id == post["id"]
    container = server.containers[post["container"]]
    assert container["media_type"] == "REELS" and container["alt_text"] is None
    polls = [r for r in server.requests() if r["path"] == f"/v23.0/{post['container']}"]
    assert len(polls) == 4


def test_publish_story(ig: InstagramConnector, server: InstagramServer, tmp_path: Path) -> None:
    ig.publish(request("", media=(image(tmp_path),), post_type="story"))
    (container,) = server.containers.values()
    assert container["media_type"] == "STORIES"


def test_quota_exhausted_is_rate_limited_before_anything_is_created(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    server.quota_usage = 100
    with pytest.raises(RateLimited, match="100 posts per 24 hours") as caught:
        ig.publish(request(media=(image(tmp_path),)))
    assert caught.value.retry_after == 3600
    assert server.containers == {}


def test_publish_limit_error_from_media_publish(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    server.fail_next(400, path=PUBLISH, code=9, fixture="error__publish_limit")
    with pytest.raises(Rejected, match="maximum number of posts"):
        ig.publish(request(media=(image(tmp_path),)))
    assert server.published() == []


@pytest.mark.parametrize(
    ("state", "error", "match"),
    [("ERROR", Rejected, "2207026"), ("EXPIRED", Transient, "expired")],
)
def test_container_failures(
    ig: InstagramConnector,
    server: InstagramServer,
    tmp_path: Path,
    state: str,
    error: type[Exception],
    match: str,
) -> None:
    server.next_container_state = state
    with pytest.raises(error, match=match):
        ig.publish(request(media=(image(tmp_path),)))
    assert server.published() == []


def test_container_still_processing_after_timeout(server: InstagramServer, tmp_path: Path) -> None:
    server.processing_polls = 1000
    with (
        connector_for(server, container_poll_timeout=0.05) as ig,
        pytest.raises(Transient, match="still processing"),
    ):
        ig.publish(request(media=(video(tmp_path),), post_type="reel"))


def test_unreachable_media_url_is_rejected(server: InstagramServer, tmp_path: Path) -> None:
    with (
        connector_for(server, public_media_base_url=f"{server.url}/missing") as ig,
        pytest.raises(Rejected, match="could not be fetched"),
    ):
        ig.publish(request(media=(image(tmp_path),)))


def test_media_urls_option_wins(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    image(tmp_path, "elsewhere.jpg")
    ig.publish(
        request(
            media=(image(tmp_path),), options={"media_urls": [f"{server.url}/media/elsewhere.jpg"]}
        )
    )
    assert len(server.published()) == 1


# --- partial failures and unknown outcomes ---


def test_publish_error_before_acting_is_transient_and_container_stays(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    server.fail_next(503, path=PUBLISH)
    with pytest.raises(Transient):
        ig.publish(request(media=(image(tmp_path),)))
    assert server.published() == []
    (container,) = server.containers.values()
    assert container["status_code"] == "FINISHED"


def test_publish_error_after_publishing_is_unknown_then_reconciled(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    server.publish_then_fail = True
    started = datetime.now(UTC)
    req = request(media=(image(tmp_path),), first_comment="Link: x.co")
    with pytest.raises(UnknownOutcome, match="is published"):
        ig.publish(req)
    (post,) = server.published()
    found = ig.find_published(req, started)
    assert found is not None and found.network_post_id == post["id"]
    assert found.extra == {"reconciled": True, "missing_parts": ["first_comment"]}


def test_publish_error_and_status_unreadable(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    server.fail_next(500, path=PUBLISH)
    server.fail_next(500, path="/v23.0/", method="GET", after=3)  # me, quota, poll pass
    with pytest.raises(UnknownOutcome, match="could not be checked"):
        ig.publish(request(media=(image(tmp_path),)))


def test_lost_publish_answer_is_unknown_outcome(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    server.drop_after(path=PUBLISH)
    req = request(media=(image(tmp_path),))
    with pytest.raises(UnknownOutcome):
        ig.publish(req)
    found = ig.find_published(req, datetime.now(UTC) - timedelta(minutes=1))
    assert found is not None and found.extra == {"reconciled": True}


def test_publish_timeout_is_unknown_outcome(server: InstagramServer, tmp_path: Path) -> None:
    server.delay_after(1.0, path=PUBLISH)
    account = connector_for(server).account
    with (
        InstagramConnector(account, timeout=0.3) as ig,
        pytest.raises(UnknownOutcome, match="no answer"),
    ):
        ig.publish(request(media=(image(tmp_path),)))
    assert len(server.published()) == 1


def test_first_comment_failure_keeps_the_post(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    server.fail_next(500, path="/v23.0/", method="POST", after=2)  # container, publish, comment
    result = ig.publish(request(media=(image(tmp_path),), first_comment="Link: x.co"))
    assert len(server.published()) == 1
    assert result.extra["missing_parts"] == ["first_comment"]
    assert result.extra["partial_error"].startswith("Transient")
    assert server.comments == {}


def test_first_comment_reconciled(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    req = request(media=(image(tmp_path),), first_comment="Link: x.co")
    result = ig.publish(req)
    found = ig.find_published(req, datetime.now(UTC))
    assert found is not None
    assert found.extra["first_comment_id"] == result.extra["first_comment_id"]


# --- error mapping ---


def test_expired_token(server: InstagramServer, tmp_path: Path) -> None:
    with (
        connector_for(server, token="revoked") as ig,
        pytest.raises(AuthExpired, match="Session has expired"),
    ):
        ig.whoami()
    with (
        connector_for(server, token="") as ig,
        pytest.raises(AuthExpired, match="no Instagram access token"),
    ):
        ig.whoami()


def test_expired_token_fixture_body(ig: InstagramConnector, server: InstagramServer) -> None:
    server.fail_next(400, fixture="error__expired_token")
    with pytest.raises(AuthExpired, match="Session has expired on"):
        ig.whoami()


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80002])
def test_rate_limit_codes_read_usage_headers(
    ig: InstagramConnector, server: InstagramServer, code: int
) -> None:
    server.fail_next(400, code=code, message="(#4) limit reached", headers=usage_headers(7))
    with pytest.raises(RateLimited) as caught:
        ig.whoami()
    assert caught.value.retry_after == 7 * 60


def test_http_429_rate_limit(ig: InstagramConnector, server: InstagramServer) -> None:
    server.fail_next(429)
    with pytest.raises(RateLimited) as caught:
        ig.whoami()
    assert caught.value.retry_after == 12 * 60


def test_server_errors_are_transient(ig: InstagramConnector, server: InstagramServer) -> None:
    server.fail_next(500)
    with pytest.raises(Transient, match="error 2"):
        ig.whoami()
    server.fail_next(400, code=1, message="An unknown error occurred")
    with pytest.raises(Transient):
        ig.whoami()


def test_unknown_object_is_rejected(ig: InstagramConnector) -> None:
    with pytest.raises(Rejected, match="does not exist"):
        ig.fetch_metrics("404404")


def test_unreachable_server_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    account = AccountContext(1, "a", {"access_token": "t"}, base_url=f"http://127.0.0.1:{port}")
    with InstagramConnector(account, timeout=1.0) as ig, pytest.raises(Transient):
        ig.whoami()


def test_non_json_answers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/me"):
            return httpx.Response(200, text="<html>")
        return httpx.Response(502, text="Bad gateway")

    account = AccountContext(1, "a", {"access_token": "t"}, base_url="https://graph.test")
    client = httpx.Client(transport=httpx.MockTransport(handler))
    with (
        InstagramConnector(account, http=client) as ig,
        pytest.raises(Transient, match="unexpected body"),
    ):
        ig.whoami()
        with pytest.raises(Transient, match="Bad gateway"):
            ig.fetch_metrics("1")
    client.close()


def test_retry_after_seconds() -> None:
    assert retry_after_seconds(httpx.Response(400, headers=usage_headers(3))) == 180
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "9"})) == 9
    assert retry_after_seconds(httpx.Response(400, headers={"X-App-Usage": "nope"})) == 3600
    app_only = {"X-App-Usage": '{"call_count": 100, "estimated_time_to_regain_access": 2}'}
    assert retry_after_seconds(httpx.Response(400, headers=app_only)) == 120
    assert parse_graph_time("2026-11-24T14:00:00+0000") == datetime(2026, 11, 24, 14, tzinfo=UTC)
    assert parse_graph_time("2026-11-24T14:00:00").tzinfo is UTC


# --- comments, replies, metrics, reconcile, tokens ---


def test_comments_and_replies(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    post = ig.publish(request(media=(image(tmp_path),), first_comment="ours")).network_post_id
    first = server.add_comment(post, "Open on Sunday?")
    comments = ig.fetch_comments(post)
    assert [(c.network_item_id, c.text, c.kind) for c in comments] == [
        (first, "Open on Sunday?", "comment")
    ]
    answer = ig.reply(first, "Yes, 8am to noon")
    assert answer.network_post_id
    nested = server.add_comment(first, "Thanks!")
    later = ig.fetch_comments(post, since_id=first)
    assert [(c.network_item_id, c.parent_network_id, c.kind) for c in later] == [
        (nested, first, "reply")
    ]
    assert later[0].author_handle == "bob.bakes"
    with pytest.raises(Rejected):
        ig.reply("999", "nobody there")


def test_metrics(ig: InstagramConnector, server: InstagramServer, tmp_path: Path) -> None:
    post = ig.publish(request(media=(video(tmp_path),), post_type="reel")).network_post_id
    server.insights[post] = {
        "views": 900,
        "reach": 700,
        "likes": 40,
        "comments": 5,
        "shares": 3,
        "saved": 8,
    }
    metrics = ig.fetch_metrics(post)
    assert (metrics.impressions, metrics.reach, metrics.reactions) == (900, 700, 40)
    assert (metrics.comments, metrics.shares, metrics.saves, metrics.video_views) == (5, 3, 8, 900)


def test_find_published_absent_and_paging(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    started = datetime.now(UTC)
    assert ig.find_published(request(), started) is None
    for i in range(3):
        ig.publish(request(f"post {i}", media=(image(tmp_path),)))
    found = ig.find_published(request("post 0"), started)
    assert found is not None
    assert ig.find_published(request("never"), started) is None
    # posts older than the window end the search
    assert ig.find_published(request("post 0"), started + timedelta(hours=1)) is None


def test_find_published_pages_and_gives_up(
    server: InstagramServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clairon.networks.instagram as module

    monkeypatch.setattr(module, "RECONCILE_PAGE", 2)
    monkeypatch.setattr(module, "RECONCILE_MAX_PAGES", 2)
    with connector_for(server) as ig:
        started = datetime.now(UTC)
        for i in range(5):
            ig.publish(request(f"post {i}", media=(image(tmp_path),)))
        assert ig.find_published(request("post 1"), started) is not None
        with pytest.raises(Transient, match="cannot settle"):
            ig.find_published(request("never"), started)


def test_refresh_exchanges_then_extends(server: InstagramServer) -> None:
    account = connector_for(server).account
    apps = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    with InstagramConnector(account, app_credentials=apps) as short:
        creds = short.refresh_token()  # the short-lived token from Instagram Login
    assert creds["token_kind"] == "long_lived" and creds["access_token"] in server.refreshed
    assert datetime.fromisoformat(creds["expires_at"]) > datetime.now(UTC) + timedelta(days=59)
    assert server.requests()[-1]["path"] == "/access_token"
    long_lived = replace(account, credentials=creds)
    with InstagramConnector(long_lived) as ig:
        again = ig.refresh_token()
    assert (
        again["access_token"] in server.refreshed and again["access_token"] != creds["access_token"]
    )
    assert server.requests()[-1]["path"] == "/refresh_access_token"
    with connector_for(server) as no_secret, pytest.raises(Transient, match="client secret"):
        no_secret.refresh_token()
    with (
        connector_for(server, login="facebook") as fb_login,
        pytest.raises(AuthExpired, match="reconnect"),
    ):
        fb_login.refresh_token()


def test_result_without_permalink_still_reports_post(
    ig: InstagramConnector, server: InstagramServer, tmp_path: Path
) -> None:
    # container, status, publish pass; the permalink read fails: the post is still reported
    server.fail_next(500, method="GET", path="/v23.0/", after=3)
    result = ig.publish(request(media=(image(tmp_path),)))
    assert result.network_post_id and result.url is None
