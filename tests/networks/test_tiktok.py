"""The TikTok connector against a local server speaking the Content Posting API shapes."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.oauth import authorization_url
from clairon.networks.registry import connector_class
from clairon.networks.tiktok import MB, TikTokConnector, chunk_plan
from tests.networks.servers.tiktok_server import (
    CLIENT_KEY,
    CLIENT_SECRET,
    DEFAULT_TOKEN,
    REFRESH_TOKEN,
    TikTokServer,
)

KIB = 1024
INIT = "/v2/post/publish/video/init/"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[TikTokServer]:
    with TikTokServer(media_dir=tmp_path) as s:
        yield s


def connector_for(
    server: TikTokServer, token: str = DEFAULT_TOKEN, timeout: float = 2.0, **settings: Any
) -> TikTokConnector:
    account = AccountContext(
        1,
        "claironcafe",
        {"access_token": token, "refresh_token": REFRESH_TOKEN},
        settings={
            "privacy_level": "PUBLIC_TO_EVERYONE",
            "status_poll_interval": 0.01,
            "status_poll_timeout": 2,
            "oauth_token_url": f"{server.url}/v2/oauth/token/",
            **settings,
        },
        base_url=server.url,
    )
    apps = {"client_key": CLIENT_KEY, "client_secret": CLIENT_SECRET}
    return TikTokConnector(account, timeout=timeout, app_credentials=apps)


@pytest.fixture
def tt(server: TikTokServer) -> Iterator[TikTokConnector]:
    with connector_for(server) as connector:
        yield connector


def video(tmp_path: Path, size: int = 300 * KIB, seconds: float = 20.0) -> MediaFile:
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(i % 253 for i in range(size)))
    return MediaFile(path, "video/mp4", size, 1080, 1920, duration_seconds=seconds)


def request(
    tmp_path: Path, text: str = "Croissant lamination 🥐 #baking", **kw: Any
) -> PublishRequest:
    if "media" not in kw:
        kw["media"] = (video(tmp_path),)
    return PublishRequest(variant_id=1, idempotency_key="v-1", text=text, **kw)


# --- pure rules ---


def test_chunk_plan_follows_the_media_transfer_rules() -> None:
    assert chunk_plan(0) == []
    assert chunk_plan(3 * MB) == [(0, 3 * MB - 1)]  # under 5 MB: whole
    assert chunk_plan(25 * MB, 10 * MB) == [(0, 10 * MB - 1), (10 * MB, 25 * MB - 1)]
    assert chunk_plan(30 * MB, 10 * MB)[-1] == (20 * MB, 30 * MB - 1)


@given(
    st.integers(min_value=5 * MB, max_value=400 * MB),
    st.integers(min_value=5 * MB, max_value=64 * MB),
)
def test_chunk_plan_covers_every_byte_once(size: int, chunk: int) -> None:
    plan = chunk_plan(size, chunk)
    assert plan[0][0] == 0 and plan[-1][1] == size - 1
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(plan))
    assert len(plan) == max(1, size // chunk) if chunk < size else len(plan) == 1
    assert all(last - first + 1 == chunk for first, last in plan[:-1])


# --- registration, identity, rules ---


def test_registered_capabilities_and_oauth() -> None:
    assert connector_class("tiktok") is TikTokConnector
    caps = TikTokConnector.capabilities
    assert {Capability.publish, Capability.metrics, Capability.reconcile} <= caps
    assert not {Capability.delete, Capability.read_comments, Capability.reply} & caps
    config = TikTokConnector.oauth
    assert config is not None
    url = authorization_url(config, client_id="awkey", redirect_uri="https://h/cb", state="s")
    assert url.startswith("https://www.tiktok.com/v2/auth/authorize/?")
    assert "client_key=awkey" in url and "client_id" not in url
    assert "scope=user.info.basic%2Cvideo.publish" in url


def test_whoami(tt: TikTokConnector) -> None:
    assert tt.whoami() == ("claironcafe", "Clairon Café")


def test_validate(server: TikTokServer, tt: TikTokConnector, tmp_path: Path) -> None:
    assert tt.validate(request(tmp_path)) == []
    assert tt.validate(request(tmp_path, text="😀" * 1100)) == []  # 2,200 UTF-16 units
    problems = [
        str(p) for p in tt.validate(request(tmp_path, text="😀" * 1101, media=(), thread=("x",)))
    ]
    assert any("2202 UTF-16 code units" in p for p in problems)
    assert any("exactly one video" in p for p in problems)
    assert any("no threads" in p for p in problems)
    with connector_for(server, privacy_level="") as bare:
        assert any("choose who can view" in str(p) for p in bare.validate(request(tmp_path)))
        assert bare.validate(request(tmp_path, options={"mode": "draft"})) == []
    assert tt.validate(request(tmp_path, options={"mode": "story"}))


# --- direct post ---


def test_direct_post_file_upload(tt: TikTokConnector, server: TikTokServer, tmp_path: Path) -> None:
    server.processing_polls = 2
    result = tt.publish(request(tmp_path, ai_generated=True, options={"disable_comment": True}))
    (task,) = server.tasks.values()
    assert task["received"] == 300 * KIB and task["chunks"] == ["0-307199"]
    info = task["post_info"]
    assert info["title"] == "Croissant lamination 🥐 #baking"
    assert info["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert info["is_aigc"] is True and info["disable_comment"] is True
    assert info["disable_duet"] is False
    assert result.network_post_id == task["video_id"]
    assert result.url == f"https://www.tiktok.com/@claironcafe/video/{task['video_id']}"
    assert result.extra == {"publish_id": task["id"], "status": "PUBLISH_COMPLETE"}


def test_chunked_upload(
    server: TikTokServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clairon.networks.tiktok as module

    monkeypatch.setattr(module, "MIN_CHUNK", 64 * KIB)  # small files, same rule
    with connector_for(server, upload_chunk_bytes=128 * KIB) as tt:
        tt.publish(
            request(
                tmp_path,
                options={
                    "video_cover_timestamp_ms": 1500,
                    "brand_content_toggle": True,
                    "brand_organic_toggle": True,
                },
            )
        )
    (task,) = server.tasks.values()
    assert task["chunks"] == ["0-131071", "131072-307199"]
    assert task["source"]["total_chunk_count"] == 2
    assert task["post_info"]["video_cover_timestamp_ms"] == 1500
    assert task["post_info"]["brand_content_toggle"] is True


def test_private_post_has_no_public_id(server: TikTokServer, tmp_path: Path) -> None:
    with connector_for(server, privacy_level="SELF_ONLY") as tt:
        result = tt.publish(request(tmp_path))
    (task,) = server.tasks.values()
    assert result.network_post_id == task["id"] and result.url is None


def test_pull_from_url(server: TikTokServer, tmp_path: Path) -> None:
    with connector_for(server, public_media_base_url=f"{server.url}/media") as tt:
        result = tt.publish(request(tmp_path))
    (task,) = server.tasks.values()
    assert task["source"] == {
        "source": "PULL_FROM_URL",
        "video_url": f"{server.url}/media/clip.mp4",
    }
    assert result.extra["status"] == "PUBLISH_COMPLETE"
    with (
        connector_for(server, public_media_base_url=f"{server.url}/elsewhere") as tt,
        pytest.raises(Rejected, match="url_ownership_unverified"),
    ):
        tt.publish(request(tmp_path))


def test_upload_as_draft(server: TikTokServer, tmp_path: Path) -> None:
    with connector_for(server, privacy_level="", mode="draft") as tt:
        result = tt.publish(request(tmp_path))
        assert tt.find_published(request(tmp_path), datetime.now(UTC)) is None
    (task,) = server.tasks.values()
    assert task["draft"] and task["post_info"] == {}
    assert result.extra["status"] == "SEND_TO_USER_INBOX" and result.network_post_id == task["id"]
    assert server.requests()[0]["path"] == "/v2/post/publish/inbox/video/init/"


def test_creator_checks(tt: TikTokConnector, server: TikTokServer, tmp_path: Path) -> None:
    server.privacy_options = ["SELF_ONLY"]
    server.max_duration = 15
    with pytest.raises(Rejected, match=r"not offered.*lasts 20 s"):
        tt.publish(request(tmp_path))
    assert server.tasks == {}


def test_refuses_invalid_before_any_call(
    tt: TikTokConnector, server: TikTokServer, tmp_path: Path
) -> None:
    with pytest.raises(Rejected, match="exactly one video"):
        tt.publish(request(tmp_path, media=()))
    assert server.requests() == []


def test_processing_failed(tt: TikTokConnector, server: TikTokServer, tmp_path: Path) -> None:
    server.fail_next_publish = "file_format_check_failed"
    with pytest.raises(Rejected, match="file_format_check_failed"):
        tt.publish(request(tmp_path))


def test_still_processing_is_reported_pending(server: TikTokServer, tmp_path: Path) -> None:
    server.processing_polls = 10_000
    with connector_for(server, status_poll_timeout=0.05) as tt:
        result = tt.publish(request(tmp_path))
        assert result.extra["pending"] is True and result.extra["status"] == "PROCESSING_UPLOAD"
        server.processing_polls = 0
        server.tasks[result.extra["publish_id"]]["polls_left"] = 0
        assert tt.publish_status(result.extra["publish_id"])["status"] == "PUBLISH_COMPLETE"


# --- errors and unknown outcomes ---


def test_expired_token(server: TikTokServer, tmp_path: Path) -> None:
    with (
        connector_for(server, token="act.revoked") as tt,
        pytest.raises(AuthExpired, match="log_id"),
    ):
        tt.publish(request(tmp_path))
    with connector_for(server, token="") as tt, pytest.raises(AuthExpired):
        tt.whoami()


def test_daily_cap_and_rate_limit(
    tt: TikTokConnector, server: TikTokServer, tmp_path: Path
) -> None:
    server.fail_next(403, path=INIT, fixture="error__spam_risk_too_many_posts")
    with pytest.raises(RateLimited, match="daily post cap") as caught:
        tt.publish(request(tmp_path))
    assert caught.value.retry_after == 86400
    server.fail_next(429, path=INIT)
    with pytest.raises(RateLimited) as caught:
        tt.publish(request(tmp_path))
    assert caught.value.retry_after == 60
    server.fail_next(429, path=INIT, headers={"Retry-After": "12"})
    with pytest.raises(RateLimited) as caught:
        tt.publish(request(tmp_path))
    assert caught.value.retry_after == 12
    server.fail_next(429, path=INIT, headers={"Retry-After": "later"})
    with pytest.raises(RateLimited) as caught:
        tt.publish(request(tmp_path))
    assert caught.value.retry_after == 60


def test_error_with_http_200_is_still_an_error(
    tt: TikTokConnector, server: TikTokServer, tmp_path: Path
) -> None:
    server.fail_next(200, path=INIT, code="spam_risk_user_banned_from_posting", message="banned")
    with pytest.raises(Rejected, match="spam_risk_user_banned_from_posting: banned"):
        tt.publish(request(tmp_path))


def test_server_errors_are_transient(
    tt: TikTokConnector, server: TikTokServer, tmp_path: Path
) -> None:
    server.fail_next(500, path=INIT)
    with pytest.raises(Transient, match="internal_error"):
        tt.publish(request(tmp_path))
    server.fail_next(500, path="/upload/", method="PUT")
    with pytest.raises(Transient):
        tt.publish(request(tmp_path))


def test_lost_last_chunk_is_unknown_then_reconciled(
    tt: TikTokConnector, server: TikTokServer, tmp_path: Path
) -> None:
    started = datetime.now(UTC)
    server.drop_after(path="/upload/", method="PUT")
    req = request(tmp_path)
    with pytest.raises(UnknownOutcome, match="last chunk"):
        tt.publish(req)
    (task,) = server.tasks.values()
    assert task["complete"]
    tt.publish_status(task["id"])  # TikTok goes on and posts it
    found = tt.find_published(req, started)
    assert found is not None and found.network_post_id == task["video_id"]
    assert found.url and found.extra == {"reconciled": True}


def test_lost_pull_init_is_unknown(server: TikTokServer, tmp_path: Path) -> None:
    server.delay_after(1.0, path=INIT)
    with (
        connector_for(server, timeout=0.3, public_media_base_url=f"{server.url}/media") as tt,
        pytest.raises(UnknownOutcome),
    ):
        tt.publish(request(tmp_path))


def test_lost_file_upload_init_is_transient(server: TikTokServer, tmp_path: Path) -> None:
    server.drop_after(path=INIT)
    with connector_for(server) as tt, pytest.raises(Transient):
        tt.publish(request(tmp_path))


def test_non_json_and_unreachable(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="upstream")

    account = AccountContext(1, "a", {"access_token": "t"}, base_url="https://tt.test")
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        TikTokConnector(account, http=client) as tt,
        pytest.raises(Transient, match="upstream"),
    ):
        tt.whoami()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as client,
        TikTokConnector(account, http=client) as tt,
        pytest.raises(Transient, match="could not reach"),
    ):
        tt.whoami()


# --- metrics, reconcile, tokens ---


def test_metrics(tt: TikTokConnector, server: TikTokServer, tmp_path: Path) -> None:
    post = tt.publish(request(tmp_path)).network_post_id
    server.videos[post].update(view_count=5000, like_count=300, comment_count=12, share_count=9)
    metrics = tt.fetch_metrics(post)
    assert (metrics.video_views, metrics.reactions, metrics.comments, metrics.shares) == (
        5000,
        300,
        12,
        9,
    )
    with pytest.raises(Rejected, match="no public video"):
        tt.fetch_metrics("1")


def test_find_published_paging(
    server: TikTokServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clairon.networks.tiktok as module

    monkeypatch.setattr(module, "RECONCILE_PAGE", 2)
    monkeypatch.setattr(module, "RECONCILE_MAX_PAGES", 2)
    started = datetime.now(UTC)
    with connector_for(server) as tt:
        assert tt.find_published(request(tmp_path), started) is None
        for i in range(5):
            tt.publish(request(tmp_path, text=f"clip {i}"))
        assert tt.find_published(request(tmp_path, text="clip 2"), started) is not None
        assert (
            tt.find_published(request(tmp_path, text="clip 4"), started + timedelta(hours=1))
            is None
        )
        with pytest.raises(Transient, match="cannot settle"):
            tt.find_published(request(tmp_path, text="never"), started)


def test_refresh_rotates_tokens(tt: TikTokConnector, server: TikTokServer) -> None:
    creds = tt.refresh_token()
    assert creds["access_token"] in server.tokens and creds["refresh_token"] in server.refresh
    assert REFRESH_TOKEN not in server.refresh
    assert creds["open_id"] and datetime.fromisoformat(creds["expires_at"]) > datetime.now(UTC)
    with pytest.raises(AuthExpired, match="reconnect"):
        tt.refresh_token()  # the old refresh token was rotated away
    with (
        TikTokConnector(AccountContext(1, "a", {"access_token": "t"})) as bare,
        pytest.raises(AuthExpired, match="no TikTok refresh token"),
    ):
        bare.refresh_token()
