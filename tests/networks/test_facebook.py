"""The Facebook Pages connector against a local server speaking the documented Graph shapes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.facebook import FacebookConnector
from clairon.networks.registry import connector_class
from tests.networks.servers.facebook_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    PAGE_ID,
    PAGE_TOKEN,
    USER_TOKEN,
    FacebookServer,
)
from tests.networks.servers.meta_graph import usage_headers

FEED = f"/v23.0/{PAGE_ID}/feed"
PHOTOS = f"/v23.0/{PAGE_ID}/photos"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FacebookServer]:
    with FacebookServer(media_dir=tmp_path) as s:
        yield s


def connector_for(
    server: FacebookServer,
    token: str = PAGE_TOKEN,
    timeout: float = 2.0,
    creds: dict[str, str] | None = None,
    **settings: Any,
) -> FacebookConnector:
    account = AccountContext(
        1,
        "Clairon Café",
        {
            "access_token": token,
            "page_id": PAGE_ID,
            "user_access_token": USER_TOKEN,
            **(creds or {}),
        },
        settings=settings,
        base_url=server.url,
    )
    apps = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return FacebookConnector(account, timeout=timeout, app_credentials=apps)


@pytest.fixture
def fb(server: FacebookServer) -> Iterator[FacebookConnector]:
    with connector_for(server) as connector:
        yield connector


def image(tmp_path: Path, name: str = "a.jpg", alt: str = "") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(b"\xff\xd8\xff" + name.encode() * 10)
    return MediaFile(path, "image/jpeg", path.stat().st_size, 1200, 900, alt_text=alt)


def video(tmp_path: Path) -> MediaFile:
    path = tmp_path / "v.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" * 20)
    return MediaFile(path, "video/mp4", path.stat().st_size, 1280, 720, duration_seconds=30.0)


def request(text: str = "Today's special: onion soup", **kw: Any) -> PublishRequest:
    return PublishRequest(variant_id=1, idempotency_key="v-1", text=text, **kw)


# --- registration, identity, tokens ---


def test_registered_capabilities_and_oauth() -> None:
    assert connector_class("facebook") is FacebookConnector
    caps = FacebookConnector.capabilities
    assert {Capability.delete, Capability.first_comment, Capability.reconcile} <= caps
    assert Capability.thread not in caps
    assert FacebookConnector.oauth is not None
    assert FacebookConnector.oauth.authorize_url == "https://www.facebook.com/v23.0/dialog/oauth"
    assert "pages_manage_posts" in FacebookConnector.oauth.scopes


def test_whoami_and_pages(fb: FacebookConnector) -> None:
    assert fb.whoami() == (PAGE_ID, "Clairon Café")
    (page,) = fb.pages()
    assert page == {"id": PAGE_ID, "name": "Clairon Café", "access_token": PAGE_TOKEN}


def test_refresh_exchanges_user_token_and_rereads_page_token(
    fb: FacebookConnector, server: FacebookServer
) -> None:
    creds = fb.refresh_token()
    assert creds["access_token"] == PAGE_TOKEN
    assert creds["user_access_token"] in server.exchanged
    assert datetime.fromisoformat(creds["user_token_expires_at"]) > datetime.now(UTC)


def test_refresh_without_user_token_or_page(server: FacebookServer) -> None:
    with (
        connector_for(server, creds={"user_access_token": ""}) as fb,
        pytest.raises(AuthExpired, match="reconnect"),
    ):
        fb.refresh_token()
        with pytest.raises(AuthExpired, match="reconnect"):
            fb.pages()
    with (
        connector_for(server, creds={"page_id": "999"}) as fb,
        pytest.raises(AuthExpired, match="no longer manages Page 999"),
    ):
        fb.refresh_token()


def test_refresh_with_wrong_app_secret(server: FacebookServer) -> None:
    account = connector_for(server).account
    with (
        FacebookConnector(account, app_credentials={"client_id": CLIENT_ID}) as fb,
        pytest.raises(Transient, match="client secret"),
    ):
        fb.refresh_token()


def test_validate(fb: FacebookConnector, tmp_path: Path) -> None:
    assert fb.validate(request()) == []
    problems = [str(p) for p in fb.validate(request("", thread=("x",)))]
    assert any("no threads" in p for p in problems)
    assert any("needs text" in p for p in problems)
    assert fb.validate(request("x" * 63_207))


# --- publishing ---


def test_publish_text_with_link(fb: FacebookConnector, server: FacebookServer) -> None:
    result = fb.publish(request(options={"link": "https://clairon.example/menu"}))
    post = server.posts[result.network_post_id]
    assert post["message"] == "Today's special: onion soup"
    assert post["link"] == "https://clairon.example/menu"
    assert result.url == post["permalink_url"]
    assert result.published_at is not None


def test_publish_one_photo_multipart(
    fb: FacebookConnector, server: FacebookServer, tmp_path: Path
) -> None:
    result = fb.publish(request(media=(image(tmp_path, alt="A bowl of soup"),)))
    post = server.posts[result.network_post_id]
    (photo,) = server.photos.values()
    assert post["photos"] == [photo["id"]] and photo["published"]
    assert photo["alt_text"] == "A bowl of soup" and photo["size"] > 0
    assert post["message"] == "Today's special: onion soup"


def test_publish_one_photo_by_url(server: FacebookServer, tmp_path: Path) -> None:
    with connector_for(server, public_media_base_url=f"{server.url}/media") as fb:
        fb.publish(request(media=(image(tmp_path),)))
    (photo,) = server.photos.values()
    assert photo["size"] > 0  # the server fetched it
    with (
        connector_for(server, public_media_base_url=f"{server.url}/gone") as fb,
        pytest.raises(Rejected, match="could not be fetched"),
    ):
        fb.publish(request("again", media=(image(tmp_path),)))


def test_publish_multi_photo_post(
    fb: FacebookConnector, server: FacebookServer, tmp_path: Path
) -> None:
    files = tuple(image(tmp_path, f"{i}.jpg") for i in range(3))
    result = fb.publish(request(media=files))
    post = server.posts[result.network_post_id]
    assert len(post["photos"]) == 3
    assert all(not server.photos[p]["published"] for p in post["photos"])
    assert len(server.posts) == 1


def test_multi_photo_post_fails_after_uploads(
    fb: FacebookConnector, server: FacebookServer, tmp_path: Path
) -> None:
    server.fail_next(503, path=FEED)
    files = tuple(image(tmp_path, f"{i}.jpg") for i in range(2))
    with pytest.raises(Transient):
        fb.publish(request(media=files))
    assert server.posts == {} and len(server.photos) == 2  # unpublished photos are invisible


def test_publish_video(fb: FacebookConnector, server: FacebookServer, tmp_path: Path) -> None:
    result = fb.publish(request(media=(video(tmp_path),), first_comment="Recipe: x.co"))
    (post,) = server.posts.values()
    assert post["video"] > 0 and post["message"] == "Today's special: onion soup"
    assert result.url == post["permalink_url"]
    assert result.extra["first_comment_id"]


def test_first_comment_and_its_failure(fb: FacebookConnector, server: FacebookServer) -> None:
    ok = fb.publish(request(first_comment="Book: x.co"))
    comment = server.comments[ok.extra["first_comment_id"]]
    assert comment["message"] == "Book: x.co" and comment["from"]["id"] == PAGE_ID
    server.fail_next(500, method="POST", path="/v23.0/", after=1)
    partial = fb.publish(request("second", first_comment="Book: x.co"))
    assert partial.network_post_id in server.posts
    assert partial.extra["missing_parts"] == ["first_comment"]
    assert "Transient" in partial.extra["partial_error"]


def test_publish_refuses_invalid(fb: FacebookConnector, server: FacebookServer) -> None:
    with pytest.raises(Rejected, match="needs text"):
        fb.publish(request(""))
    assert server.requests() == []


def test_duplicate_post_rejected_with_user_message(
    fb: FacebookConnector, server: FacebookServer
) -> None:
    server.fail_next(400, path=FEED, fixture="error__duplicate_post")
    with pytest.raises(Rejected, match="identical to the last one"):
        fb.publish(request())


# --- unknown outcomes and reconcile ---


def test_lost_answer_is_unknown_then_reconciled(
    fb: FacebookConnector, server: FacebookServer
) -> None:
    started = datetime.now(UTC)
    server.drop_after(path=FEED)
    req = request(first_comment="Book: x.co")
    with pytest.raises(UnknownOutcome):
        fb.publish(req)
    (post_id,) = server.posts
    found = fb.find_published(req, started)
    assert found is not None and found.network_post_id == post_id
    assert found.extra == {"reconciled": True, "missing_parts": ["first_comment"]}
    assert fb.find_published(request("never"), started) is None


def test_timeout_after_send_is_unknown(server: FacebookServer, tmp_path: Path) -> None:
    server.delay_after(1.0, path=PHOTOS)
    with (
        connector_for(server, timeout=0.3) as fb,
        pytest.raises(UnknownOutcome, match="no answer"),
    ):
        fb.publish(request(media=(image(tmp_path),)))


def test_reconcile_finds_first_comment(fb: FacebookConnector) -> None:
    req = request(first_comment="Book: x.co")
    result = fb.publish(req)
    found = fb.find_published(req, datetime.now(UTC) - timedelta(minutes=1))
    assert found is not None
    assert found.extra["first_comment_id"] == result.extra["first_comment_id"]


def test_reconcile_pages_and_gives_up(
    server: FacebookServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clairon.networks.facebook as module

    monkeypatch.setattr(module, "RECONCILE_PAGE", 2)
    monkeypatch.setattr(module, "RECONCILE_MAX_PAGES", 2)
    with connector_for(server) as fb:
        started = datetime.now(UTC)
        for i in range(5):
            fb.publish(request(f"post {i}"))
        assert fb.find_published(request("post 1"), started) is not None
        with pytest.raises(Transient, match="cannot settle"):
            fb.find_published(request("never"), started)


# --- errors ---


def test_expired_token(server: FacebookServer) -> None:
    with connector_for(server, token="EAA-revoked") as fb, pytest.raises(AuthExpired):
        fb.whoami()
    with connector_for(server) as fb:
        server.fail_next(400, fixture="error__expired_token")
        with pytest.raises(AuthExpired, match="invalidated"):
            fb.whoami()


def test_rate_limits(fb: FacebookConnector, server: FacebookServer) -> None:
    server.fail_next(400, fixture="error__page_rate_limited", headers=usage_headers(25))
    with pytest.raises(RateLimited) as caught:
        fb.publish(request())
    assert caught.value.retry_after == 25 * 60
    server.fail_next(
        400, code=613, message="(#613) Calls to this api have exceeded the rate limit."
    )
    with pytest.raises(RateLimited) as caught:
        fb.publish(request())
    assert caught.value.retry_after == 3600
    assert server.posts == {}


def test_server_error_is_transient(fb: FacebookConnector, server: FacebookServer) -> None:
    server.fail_next(502, path=FEED)
    with pytest.raises(Transient):
        fb.publish(request())
    assert server.posts == {}


def test_user_token_cannot_post(server: FacebookServer) -> None:
    with (
        connector_for(server, token=USER_TOKEN) as fb,
        pytest.raises(Rejected, match="Page access token"),
    ):
        fb.publish(request())


# --- delete, comments, metrics ---


def test_delete(fb: FacebookConnector, server: FacebookServer) -> None:
    post = fb.publish(request()).network_post_id
    fb.delete(post)
    assert server.posts == {}
    fb.delete(post)  # already gone counts as done
    server.fail_next(500, method="DELETE")
    with pytest.raises(Transient):
        fb.delete("whatever")


def test_comments_and_replies(fb: FacebookConnector, server: FacebookServer) -> None:
    post = fb.publish(request(first_comment="ours")).network_post_id
    first = server.add_comment(post, "Vegetarian?")
    second = server.add_comment(post, "Price?", ("5550002", "Chloé"))
    comments = fb.fetch_comments(post)
    assert [(c.network_item_id, c.kind, c.author_name) for c in comments] == [
        (first, "comment", "Bob Baker"),
        (second, "comment", "Chloé"),
    ]
    answer = fb.reply(first, "Yes!")
    assert server.comments[answer.network_post_id]["parent"] == first
    nested = server.add_comment(first, "Great")
    later = fb.fetch_comments(post, since_id=second)
    assert [(c.network_item_id, c.parent_network_id, c.kind) for c in later] == [
        (nested, first, "reply")
    ]


def test_metrics(fb: FacebookConnector, server: FacebookServer) -> None:
    post = fb.publish(request()).network_post_id
    server.insights[post] = {
        "post_impressions": 1500,
        "post_impressions_unique": 900,
        "post_clicks": 33,
    }
    server.reactions[post] = 42
    server.add_comment(post, "Yum")
    metrics = fb.fetch_metrics(post)
    assert (metrics.impressions, metrics.reach, metrics.clicks) == (1500, 900, 33)
    assert (metrics.reactions, metrics.comments, metrics.shares) == (42, 1, 4)
    with pytest.raises(Rejected, match="does not exist"):
        fb.fetch_metrics("1_2")


def test_result_without_permalink_still_reports_post(
    fb: FacebookConnector, server: FacebookServer
) -> None:
    server.fail_next(500, method="GET")
    result = fb.publish(request())
    assert result.network_post_id in server.posts and result.url is None


# --- right after Facebook Login: only the user's token is stored ---


def login_only(server: FacebookServer, **settings: Any) -> FacebookConnector:
    account = AccountContext(
        1, "", {"access_token": USER_TOKEN}, settings=settings, base_url=server.url
    )
    apps = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return FacebookConnector(account, timeout=2.0, app_credentials=apps)


def test_user_token_resolves_the_only_page(server: FacebookServer) -> None:
    with login_only(server) as fb:
        assert fb.whoami() == (PAGE_ID, "Clairon Café")
        result = fb.publish(request())
        assert server.posts[result.network_post_id]["message"] == "Today's special: onion soup"
        creds = fb.refresh_token()
    assert creds["access_token"] == PAGE_TOKEN and creds["page_id"] == PAGE_ID
    assert creds["user_access_token"] in server.exchanged


def test_several_pages_need_a_choice(server: FacebookServer) -> None:
    server.extra_pages = [{"id": "2002", "name": "Clairon Bistro", "access_token": "EAAOther"}]
    with login_only(server) as fb, pytest.raises(Rejected, match=r"2002 \(Clairon Bistro\)"):
        fb.publish(request())
    with login_only(server, page_id=PAGE_ID) as fb:
        assert fb.publish(request()).network_post_id in server.posts
        assert fb.refresh_token()["page_id"] == PAGE_ID
