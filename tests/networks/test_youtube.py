"""The YouTube connector against a local server speaking the documented Data API v3 shapes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.oauth import authorization_url
from clairon.networks.registry import connector_class
from clairon.networks.youtube import YouTubeConnector, next_pacific_midnight
from tests.networks.servers.youtube_server import (
    CHANNEL_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_TOKEN,
    REFRESH_TOKEN,
    YouTubeServer,
)

KIB = 1024
UPLOAD = "/upload/youtube/v3/videos"


@pytest.fixture
def server() -> Iterator[YouTubeServer]:
    with YouTubeServer() as s:
        yield s


def connector_for(
    server: YouTubeServer, token: str = DEFAULT_TOKEN, timeout: float = 2.0, **settings: Any
) -> YouTubeConnector:
    account = AccountContext(
        1,
        "@claironcafe",
        {"access_token": token, "refresh_token": REFRESH_TOKEN},
        settings={
            "upload_chunk_bytes": 256 * KIB,
            "upload_retry_delay": 0,
            "oauth_token_url": f"{server.url}/token",
            **settings,
        },
        base_url=server.url,
    )
    apps = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return YouTubeConnector(account, timeout=timeout, app_credentials=apps)


@pytest.fixture
def yt(server: YouTubeServer) -> Iterator[YouTubeConnector]:
    with connector_for(server) as connector:
        yield connector


def video(tmp_path: Path, size: int = 600 * KIB) -> MediaFile:
    path = tmp_path / "recipe.mp4"
    path.write_bytes(bytes(i % 251 for i in range(size)))
    return MediaFile(path, "video/mp4", size, 1920, 1080, duration_seconds=95.0)


def request(
    tmp_path: Path, text: str = "Onion soup in 5 steps\nAll the steps.", **kw: Any
) -> PublishRequest:
    if "media" not in kw:
        kw["media"] = (video(tmp_path),)
    return PublishRequest(variant_id=1, idempotency_key="v-1", text=text, **kw)


# --- registration, identity, rules ---


def test_registered_capabilities_and_oauth() -> None:
    assert connector_class("youtube") is YouTubeConnector
    caps = YouTubeConnector.capabilities
    assert {Capability.publish, Capability.reconcile, Capability.refresh_token} <= caps
    assert Capability.first_comment not in caps and Capability.thread not in caps
    config = YouTubeConnector.oauth
    assert config is not None and config.pkce
    url = authorization_url(
        config, client_id="c", redirect_uri="https://h/cb", state="s", code_challenge="abc"
    )
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert "access_type=offline" in url and "prompt=consent" in url
    assert "code_challenge_method=S256" in url


def test_whoami(yt: YouTubeConnector) -> None:
    assert yt.whoami() == ("@claironcafe", "Clairon Café")


def test_validate(yt: YouTubeConnector, tmp_path: Path) -> None:
    assert yt.validate(request(tmp_path)) == []
    assert yt.title(request(tmp_path)) == "Onion soup in 5 steps"
    problems = [
        str(p)
        for p in yt.validate(
            request(
                tmp_path,
                options={"title": "<b>" + "x" * 100, "privacy_status": "friends"},
                media=(),
            )
        )
    ]
    assert any("title limit of 100" in p for p in problems)
    assert any("may not contain" in p for p in problems)
    assert any("exactly one video" in p for p in problems)
    assert any("'friends' is not one of" in p for p in problems)
    assert any("needs a title" in str(p) for p in yt.validate(request(tmp_path, text="")))
    assert yt.validate(request(tmp_path, thread=("x",)))


def test_publish_refuses_invalid(
    yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path
) -> None:
    with pytest.raises(Rejected, match="exactly one video"):
        yt.publish(request(tmp_path, media=()))
    assert server.requests() == []


# --- uploads ---


def test_resumable_upload_in_chunks(
    yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path
) -> None:
    req = request(
        tmp_path,
        options={"tags": ["soup", "french food"], "privacy_status": "unlisted"},
        ai_generated=True,
        language="fr",
    )
    result = yt.publish(req)
    stored = server.upload_of(result.network_post_id)
    assert stored["size"] == 600 * KIB
    assert server.chunks == ["0-262143", "262144-524287", "524288-614399"]
    snippet, status = stored["snippet"], stored["status"]
    assert snippet["title"] == "Onion soup in 5 steps"
    assert snippet["description"] == "Onion soup in 5 steps\nAll the steps."
    assert snippet["tags"] == ["soup", "french food"] and snippet["defaultLanguage"] == "fr"
    assert status["privacyStatus"] == "unlisted"
    assert status["containsSyntheticMedia"] is True
    assert status["selfDeclaredMadeForKids"] is False
    assert result.url == f"https://www.youtube.com/watch?v={result.network_post_id}"
    assert result.extra["upload_status"] == "uploaded"


def test_settings_for_kids_and_schedule(server: YouTubeServer, tmp_path: Path) -> None:
    with connector_for(server, made_for_kids=True, privacy_status="private") as yt:
        req = request(tmp_path, options={"publish_at": "2026-12-01T09:00:00Z"})
        status = server.upload_of(yt.publish(req).network_post_id)["status"]
    assert status["selfDeclaredMadeForKids"] is True
    assert status["privacyStatus"] == "private" and status["publishAt"] == "2026-12-01T09:00:00Z"


def test_resume_after_partial_chunk(
    yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path
) -> None:
    server.truncate_next_chunk = True  # the 308 says only half of the first chunk arrived
    result = yt.publish(request(tmp_path))
    assert server.upload_of(result.network_post_id)["size"] == 600 * KIB
    assert server.chunks[:2] == ["0-262143", "131072-393215"]


def test_resume_after_lost_chunk_answer(
    yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path
) -> None:
    server.drop_after(path=UPLOAD, method="PUT")  # the first chunk is stored, the answer lost
    result = yt.publish(request(tmp_path))
    puts = [r for r in server.requests() if r["method"] == "PUT"]
    assert len(puts) == 4  # 3 chunks + the status query after the lost answer
    assert server.upload_of(result.network_post_id)["size"] == 600 * KIB


def test_resume_after_server_error(
    yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path
) -> None:
    server.fail_next(503, path=UPLOAD, method="PUT", after=1)
    result = yt.publish(request(tmp_path))
    assert server.upload_of(result.network_post_id)["size"] == 600 * KIB


def test_status_query_retried(yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path) -> None:
    server.fail_next(503, path=UPLOAD, method="PUT", after=1, count=3)  # chunk 2, 2 queries
    result = yt.publish(request(tmp_path))
    assert server.upload_of(result.network_post_id)["size"] == 600 * KIB


def test_chunk_keeps_failing_while_session_answers(server: YouTubeServer, tmp_path: Path) -> None:
    with connector_for(server, upload_retries=2) as yt:
        original = yt._send
        calls = {"chunks": 0}

        def flaky(method: str, path: str, **kwargs: Any) -> Any:
            headers = kwargs.get("headers") or {}
            if method == "PUT" and "*" not in headers.get("Content-Range", "*"):
                calls["chunks"] += 1
                raise Transient("chunk lost")
            return original(method, path, **kwargs)

        yt._send = flaky  # type: ignore[method-assign]
        with pytest.raises(Transient, match="keeps failing"):
            yt.publish(request(tmp_path))
    assert calls["chunks"] == 3 and server.videos == {}


def test_last_chunk_answer_lost_but_status_says_done(
    yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path
) -> None:
    server.drop_after(path=UPLOAD, method="PUT")
    result = yt.publish(request(tmp_path, media=(video(tmp_path, 100 * KIB),)))
    assert len(server.videos) == 1 and result.network_post_id in server.videos


def test_last_chunk_lost_and_status_unreadable_is_unknown_then_reconciled(
    server: YouTubeServer, tmp_path: Path
) -> None:
    started = datetime.now(UTC)
    server.delay_after(1.0, path=UPLOAD, method="PUT")
    server.fail_next(503, path=UPLOAD, method="PUT", count=10)
    req = request(tmp_path, media=(video(tmp_path, 100 * KIB),))
    with (
        connector_for(server, timeout=0.3) as yt,
        pytest.raises(UnknownOutcome, match="could not be asked"),
    ):
        yt.publish(req)
    with connector_for(server) as yt:
        found = yt.find_published(req, started)
    assert found is not None and found.network_post_id in server.videos
    assert found.extra["reconciled"] is True


def test_upload_gives_up_after_retries(server: YouTubeServer, tmp_path: Path) -> None:
    server.fail_next(500, path=UPLOAD, method="PUT", count=100)
    with connector_for(server, upload_retries=2) as yt, pytest.raises(Transient):
        yt.publish(request(tmp_path))
    assert server.videos == {}


def test_expired_session_restarts(
    yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path
) -> None:
    server.fail_next(500, path=UPLOAD, method="PUT")
    server.fail_next(404, path=UPLOAD, method="PUT")
    with pytest.raises(Transient, match="session is gone"):
        yt.publish(request(tmp_path))


def test_session_without_location(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    account = AccountContext(1, "a", {"access_token": "t"}, base_url="https://yt.test")
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        YouTubeConnector(account, http=client) as yt,
        pytest.raises(Transient, match="no upload session"),
    ):
        yt.publish(request(tmp_path))


def test_bad_range_header_and_missing_video_id(tmp_path: Path) -> None:
    answers = iter(
        [
            httpx.Response(200, headers={"Location": "https://yt.test/s"}),
            httpx.Response(308, headers={"Range": "bytes=zero"}),
            httpx.Response(200, headers={"Location": "https://yt.test/s"}),
            httpx.Response(200, json={"kind": "youtube#video"}),
        ]
    )
    account = AccountContext(
        1,
        "a",
        {"access_token": "t"},
        base_url="https://yt.test",
        settings={"upload_chunk_bytes": 1024 * KIB},
    )
    client = httpx.Client(transport=httpx.MockTransport(lambda r: next(answers)))
    with YouTubeConnector(account, http=client) as yt:
        with pytest.raises(Transient, match="unreadable Range"):
            yt.publish(request(tmp_path))
        with pytest.raises(UnknownOutcome, match="without a video id"):
            yt.publish(request(tmp_path))
    client.close()


# --- errors ---


def test_quota_exceeded_waits_until_pacific_midnight(
    yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path
) -> None:
    server.fail_next(403, path=UPLOAD, fixture="error__quota_exceeded")
    with pytest.raises(RateLimited, match="daily quota") as caught:
        yt.publish(request(tmp_path))
    assert abs(caught.value.retry_after - next_pacific_midnight()) < 5
    server.fail_next(400, reason="uploadLimitExceeded", message="upload limit")
    with pytest.raises(RateLimited):
        yt.whoami()


def test_next_pacific_midnight() -> None:
    # 2026-11-24 07:00 UTC is 23:00 the day before in Los Angeles (PST, UTC-8)
    assert next_pacific_midnight(datetime(2026, 11, 24, 7, 0, tzinfo=UTC)) == 3600
    # summer time (PDT, UTC-7): 06:30 UTC is 23:30
    assert next_pacific_midnight(datetime(2026, 7, 1, 6, 30, tzinfo=UTC)) == 1800


def test_rate_limit_and_auth_and_server_errors(yt: YouTubeConnector, server: YouTubeServer) -> None:
    server.fail_next(429)
    with pytest.raises(RateLimited) as caught:
        yt.whoami()
    assert caught.value.retry_after == 30
    server.fail_next(403, reason="userRateLimitExceeded", headers={"Retry-After": "soon"})
    with pytest.raises(RateLimited) as caught:
        yt.whoami()
    assert caught.value.retry_after == 60
    server.fail_next(401)
    with pytest.raises(AuthExpired, match="invalid authentication"):
        yt.whoami()
    server.fail_next(503)
    with pytest.raises(Transient, match="Backend Error"):
        yt.whoami()
    server.fail_next(403, reason="forbidden", message="Access forbidden")
    with pytest.raises(Rejected, match="Access forbidden"):
        yt.whoami()


def test_missing_token_and_non_json(server: YouTubeServer) -> None:
    with connector_for(server, token="") as yt, pytest.raises(AuthExpired):
        yt.whoami()

    def handler(request: httpx.Request) -> httpx.Response:
        if "channels" in request.url.path:
            return httpx.Response(200, text="<html>")
        if "videos" in request.url.path:
            return httpx.Response(200, json=[1])
        return httpx.Response(502, text="Bad gateway")

    account = AccountContext(1, "a", {"access_token": "t"}, base_url="https://yt.test")
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        YouTubeConnector(account, http=client) as yt,
    ):
        with pytest.raises(Transient, match="not JSON"):
            yt.whoami()
        with pytest.raises(Transient, match="unexpected body"):
            yt.fetch_metrics("x")
        with pytest.raises(Transient, match="Bad gateway"):
            yt.fetch_comments("x")


def test_no_channel(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": []})

    account = AccountContext(1, "a", {"access_token": "t"}, base_url="https://yt.test")
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        YouTubeConnector(account, http=client) as yt,
        pytest.raises(Rejected, match="no YouTube channel"),
    ):
        yt.whoami()


# --- delete, comments, metrics, reconcile, refresh ---


def test_delete(yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path) -> None:
    video_id = yt.publish(request(tmp_path)).network_post_id
    yt.delete(video_id)
    assert server.videos == {}
    yt.delete(video_id)  # already gone
    server.fail_next(500, method="DELETE")
    with pytest.raises(Transient):
        yt.delete(video_id)


def test_comments_and_replies(yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path) -> None:
    video_id = yt.publish(request(tmp_path)).network_post_id
    first = server.add_comment(video_id, "Which onions?")
    second = server.add_comment(video_id, "Looks great")
    comments = yt.fetch_comments(video_id)
    assert [(c.network_item_id, c.kind, c.author_name) for c in comments] == [
        (first, "comment", "Bob"),
        (second, "comment", "Bob"),
    ]
    answer = yt.reply(first, "Yellow ones")
    assert server.comments[answer.network_post_id]["parent"] == first
    nested = server.add_comment(video_id, "Thanks", parent=first)
    later = yt.fetch_comments(video_id, since_id=second)
    assert [(c.network_item_id, c.parent_network_id, c.kind) for c in later] == [
        (nested, first, "reply")
    ]
    assert all(c.author_handle != CHANNEL_ID for c in yt.fetch_comments(video_id))
    with pytest.raises(Rejected, match="comment could not be found"):
        yt.reply("nope", "x")


def test_metrics(yt: YouTubeConnector, server: YouTubeServer, tmp_path: Path) -> None:
    video_id = yt.publish(request(tmp_path)).network_post_id
    server.videos[video_id]["statistics"].update(viewCount="1234", likeCount="56", commentCount="7")
    metrics = yt.fetch_metrics(video_id)
    assert (metrics.video_views, metrics.impressions, metrics.reactions, metrics.comments) == (
        1234,
        1234,
        56,
        7,
    )
    with pytest.raises(Rejected, match="no video"):
        yt.fetch_metrics("missing")


def test_find_published(
    server: YouTubeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clairon.networks.youtube as module

    monkeypatch.setattr(module, "RECONCILE_PAGE", 2)
    monkeypatch.setattr(module, "RECONCILE_MAX_PAGES", 2)
    started = datetime.now(UTC)
    with connector_for(server) as yt:
        assert yt.find_published(request(tmp_path), started) is None
        for i in range(5):
            yt.publish(request(tmp_path, text=f"Episode {i}\nNotes {i}"))
        found = yt.find_published(request(tmp_path, text="Episode 2\nNotes 2"), started)
        assert found is not None and found.extra["reconciled"]
        assert (
            yt.find_published(
                request(tmp_path, text="Episode 4\nNotes 4"), started + timedelta(hours=1)
            )
            is None
        )
        with pytest.raises(Transient, match="cannot settle"):
            yt.find_published(request(tmp_path, text="never"), started)


def test_find_published_without_uploads_playlist(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [{"id": "UC1", "contentDetails": {}}]})

    account = AccountContext(1, "a", {"access_token": "t"}, base_url="https://yt.test")
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        YouTubeConnector(account, http=client) as yt,
        pytest.raises(Transient, match="uploads playlist"),
    ):
        yt.find_published(request(tmp_path), datetime.now(UTC))


def test_refresh_token_keeps_stored_refresh_token(
    yt: YouTubeConnector, server: YouTubeServer
) -> None:
    creds = yt.refresh_token()
    assert creds["access_token"] in server.tokens and "refresh_token" not in creds
    assert datetime.fromisoformat(creds["expires_at"]) > datetime.now(UTC)
    account = AccountContext(
        1,
        "a",
        {"access_token": "t", "refresh_token": "1//revoked"},
        settings={"oauth_token_url": f"{server.url}/token"},
        base_url=server.url,
    )
    with (
        YouTubeConnector(
            account, app_credentials={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        ) as yt2,
        pytest.raises(AuthExpired, match="reconnect"),
    ):
        yt2.refresh_token()
    with (
        YouTubeConnector(AccountContext(1, "a", {"access_token": "t"})) as yt3,
        pytest.raises(AuthExpired, match="no YouTube refresh token"),
    ):
        yt3.refresh_token()
