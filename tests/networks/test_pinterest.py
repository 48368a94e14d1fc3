"""The Pinterest connector against a local server speaking the documented API v5 shapes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.pinterest import PinterestConnector, retry_after_seconds
from clairon.networks.registry import connector_class
from tests.networks.servers.pinterest_server import (
    BOARD,
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_TOKEN,
    REFRESH_TOKEN,
    PinterestServer,
)

PINS = "/v5/pins"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PinterestServer]:
    with PinterestServer(media_dir=tmp_path) as s:
        yield s


def connector_for(
    server: PinterestServer, token: str = DEFAULT_TOKEN, timeout: float = 2.0, **settings: Any
) -> PinterestConnector:
    account = AccountContext(
        1,
        "claironcafe",
        {"access_token": token, "refresh_token": REFRESH_TOKEN},
        settings={
            "default_board_id": BOARD,
            "media_poll_interval": 0.01,
            "media_poll_timeout": 2,
            "oauth_token_url": f"{server.url}/v5/oauth/token",
            **settings,
        },
        base_url=server.url,
    )
    apps = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return PinterestConnector(account, timeout=timeout, app_credentials=apps)


@pytest.fixture
def pin(server: PinterestServer) -> Iterator[PinterestConnector]:
    with connector_for(server) as connector:
        yield connector


def image(
    tmp_path: Path, name: str = "tart.jpg", mime: str = "image/jpeg", alt: str = ""
) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(b"\xff\xd8\xff\xe0" + name.encode() * 20)
    return MediaFile(path, mime, path.stat().st_size, 1000, 1500, alt_text=alt)


def video(tmp_path: Path) -> MediaFile:
    path = tmp_path / "pin.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" * 50)
    return MediaFile(path, "video/mp4", path.stat().st_size, 1080, 1920, duration_seconds=30.0)


def request(tmp_path: Path, text: str = "Apple tart, step by step", **kw: Any) -> PublishRequest:
    if "media" not in kw:
        kw["media"] = (image(tmp_path),)
    return PublishRequest(variant_id=1, idempotency_key="v-1", text=text, **kw)


# --- registration, identity, rules ---


def test_registered_capabilities_and_oauth() -> None:
    assert connector_class("pinterest") is PinterestConnector
    caps = PinterestConnector.capabilities
    assert {Capability.publish, Capability.delete, Capability.metrics, Capability.reconcile} <= caps
    assert not {Capability.read_comments, Capability.reply, Capability.thread} & caps
    config = PinterestConnector.oauth
    assert config is not None and config.client_auth == "basic"
    assert config.token_url == "https://api.pinterest.com/v5/oauth/token"
    assert config.authorize_url == "https://www.pinterest.com/oauth/"


def test_whoami_and_boards(pin: PinterestConnector) -> None:
    assert pin.whoami() == ("claironcafe", "Clairon Café")
    assert [(b["id"], b["name"]) for b in pin.boards()] == [
        ("549755885175", "Recipes"),
        ("549755885176", "Café life"),
    ]


def test_boards_paging(server: PinterestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with connector_for(server) as pin:
        original = pin._get

        def small_pages(path: str, **params: Any) -> dict[str, Any]:
            return original(path, **{**params, "page_size": 1})

        monkeypatch.setattr(pin, "_get", small_pages)
        assert len(pin.boards()) == 2


def test_validate(server: PinterestServer, pin: PinterestConnector, tmp_path: Path) -> None:
    assert pin.validate(request(tmp_path)) == []
    long = {"title": "t" * 101, "link": "https://x.co/" + "a" * 2048}
    problems = [
        str(p) for p in pin.validate(request(tmp_path, "d" * 501, options=long, thread=("x",)))
    ]
    assert any("over pinterest's limit of 500" in p for p in problems)
    assert any("title limit of 100" in p for p in problems)
    assert any("2,048" in p for p in problems)
    assert any("no threads" in p for p in problems)
    webp = image(tmp_path, "a.webp", "image/webp", alt="x" * 501)
    problems = [str(p) for p in pin.validate(request(tmp_path, media=(webp,)))]
    assert any("public URL" in p for p in problems) and any("alt text" in p for p in problems)
    with connector_for(server, default_board_id="") as bare:
        problems = [str(p) for p in bare.validate(request(tmp_path, media=()))]
        assert any("needs a board" in p for p in problems)
        assert any("image or a video" in p for p in problems)


# --- publishing ---


def test_pin_image_inline(pin: PinterestConnector, server: PinterestServer, tmp_path: Path) -> None:
    result = pin.publish(
        request(
            tmp_path,
            media=(image(tmp_path, alt="A golden tart"),),
            options={"title": "Apple tart", "link": "https://clairon.example/tart"},
        )
    )
    stored = server.pins[result.network_post_id]
    assert stored["board_id"] == BOARD and stored["title"] == "Apple tart"
    assert stored["description"] == "Apple tart, step by step"
    assert (
        stored["alt_text"] == "A golden tart" and stored["link"] == "https://clairon.example/tart"
    )
    assert stored["media"]["source_type"] == "image_base64" and stored["media"]["bytes"] > 0
    assert result.url == f"https://www.pinterest.com/pin/{result.network_post_id}/"
    assert result.extra["board_id"] == BOARD


def test_pin_image_by_url_to_another_board(server: PinterestServer, tmp_path: Path) -> None:
    with connector_for(server, public_media_base_url=f"{server.url}/media-files") as pin:
        result = pin.publish(request(tmp_path, options={"board_id": "549755885176"}))
        assert server.pins[result.network_post_id]["board_id"] == "549755885176"
        assert server.pins[result.network_post_id]["media"]["source_type"] == "image_url"
    with (
        connector_for(server, public_media_base_url=f"{server.url}/nowhere") as pin,
        pytest.raises(Rejected, match="could not fetch"),
    ):
        pin.publish(request(tmp_path))


def test_carousel_pins(server: PinterestServer, tmp_path: Path) -> None:
    files = tuple(image(tmp_path, f"{i}.jpg") for i in range(3))
    with connector_for(server) as pin:
        inline = pin.publish(request(tmp_path, media=files, post_type="carousel"))
    with connector_for(server, public_media_base_url=f"{server.url}/media-files") as pin:
        by_url = pin.publish(request(tmp_path, "second", media=files, post_type="carousel"))
    assert server.pins[inline.network_post_id]["media"] == {
        "media_type": "image",
        "source_type": "multiple_image_base64",
        "items": 3,
    }
    assert server.pins[by_url.network_post_id]["media"]["source_type"] == "multiple_image_urls"


def test_video_pin(server: PinterestServer, tmp_path: Path) -> None:
    server.media_polls = 2
    with connector_for(server) as pin:
        result = pin.publish(request(tmp_path, media=(video(tmp_path),), post_type="video"))
        cover = pin.publish(
            request(
                tmp_path,
                "with cover",
                media=(video(tmp_path),),
                post_type="video",
                options={"cover_image_url": "https://clairon.example/cover.jpg"},
            )
        )
    stored = server.pins[result.network_post_id]["media"]
    assert stored["source_type"] == "video_id" and server.media[stored["media_id"]]["size"] == 600
    assert cover.network_post_id in server.pins


def test_video_processing_failures(server: PinterestServer, tmp_path: Path) -> None:
    server.media_fails = True
    with connector_for(server) as pin, pytest.raises(Rejected, match="could not process"):
        pin.publish(request(tmp_path, media=(video(tmp_path),), post_type="video"))
    server.media_fails, server.media_polls = False, 10_000
    with (
        connector_for(server, media_poll_timeout=0.05) as pin,
        pytest.raises(Transient, match="still processing"),
    ):
        pin.publish(request(tmp_path, media=(video(tmp_path),), post_type="video"))
    assert server.pins == {}


def test_video_upload_refused(server: PinterestServer, tmp_path: Path) -> None:
    server.fail_next(500, path="/s3-upload/")
    with connector_for(server) as pin, pytest.raises(Transient, match="answered 500"):
        pin.publish(request(tmp_path, media=(video(tmp_path),), post_type="video"))
    server.drop_after(path="/s3-upload/")
    with connector_for(server) as pin, pytest.raises(Transient, match="upload to Pinterest failed"):
        pin.publish(request(tmp_path, media=(video(tmp_path),), post_type="video"))


def test_refuses_invalid_before_any_call(
    pin: PinterestConnector, server: PinterestServer, tmp_path: Path
) -> None:
    with pytest.raises(Rejected, match="image or a video"):
        pin.publish(request(tmp_path, media=()))
    assert server.requests() == []


def test_unknown_board_rejected(pin: PinterestConnector, tmp_path: Path) -> None:
    with pytest.raises(Rejected, match="Board not found"):
        pin.publish(request(tmp_path, options={"board_id": "1"}))


# --- errors, unknown outcomes, reconcile ---


def test_expired_token(server: PinterestServer, tmp_path: Path) -> None:
    with connector_for(server, token="pina_revoked") as pin, pytest.raises(AuthExpired):
        pin.publish(request(tmp_path))
    with connector_for(server, token="") as pin, pytest.raises(AuthExpired):
        pin.whoami()


def test_rate_limit_headers(
    pin: PinterestConnector, server: PinterestServer, tmp_path: Path
) -> None:
    server.fail_next(429, path=PINS, fixture="error__rate_limited")
    with pytest.raises(RateLimited, match="exceeded your rate limit") as caught:
        pin.publish(request(tmp_path))
    assert caught.value.retry_after == 42
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "7"})) == 7
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "soon"})) == 60


def test_server_error_transient(
    pin: PinterestConnector, server: PinterestServer, tmp_path: Path
) -> None:
    server.fail_next(503, path=PINS)
    with pytest.raises(Transient, match="503"):
        pin.publish(request(tmp_path))
    assert server.pins == {}


def test_lost_answer_is_unknown_then_reconciled(
    pin: PinterestConnector, server: PinterestServer, tmp_path: Path
) -> None:
    started = datetime.now(UTC)
    server.drop_after(path=PINS)
    req = request(tmp_path, options={"title": "Apple tart"})
    with pytest.raises(UnknownOutcome):
        pin.publish(req)
    (pin_id,) = server.pins
    found = pin.find_published(req, started)
    assert found is not None and found.network_post_id == pin_id and found.extra["reconciled"]
    assert pin.find_published(request(tmp_path), started) is None  # no title: another pin


def test_timeout_after_send(server: PinterestServer, tmp_path: Path) -> None:
    server.delay_after(1.0, path=PINS)
    with connector_for(server, timeout=0.3) as pin, pytest.raises(UnknownOutcome):
        pin.publish(request(tmp_path))


def test_reconcile_paging(
    server: PinterestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clairon.networks.pinterest as module

    monkeypatch.setattr(module, "RECONCILE_PAGE", 2)
    monkeypatch.setattr(module, "RECONCILE_MAX_PAGES", 2)
    started = datetime.now(UTC)
    with connector_for(server) as pin:
        for i in range(5):
            pin.publish(request(tmp_path, f"pin {i}"))
        assert pin.find_published(request(tmp_path, "pin 2"), started) is not None
        assert pin.find_published(request(tmp_path, "pin 4"), started + timedelta(hours=1)) is None
        with pytest.raises(Transient, match="cannot settle"):
            pin.find_published(request(tmp_path, "never"), started)


def test_non_json_answers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v5/user_account":
            return httpx.Response(200, text="<html>")
        if request.url.path == "/v5/boards":
            return httpx.Response(200, json=[])
        return httpx.Response(502, text="Bad gateway")

    account = AccountContext(1, "a", {"access_token": "t"}, base_url="https://pin.test")
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        PinterestConnector(account, http=client) as pin,
    ):
        with pytest.raises(Transient, match="not JSON"):
            pin.whoami()
        with pytest.raises(Transient, match="unexpected body"):
            pin.boards()
        with pytest.raises(Transient, match="Bad gateway"):
            pin.delete("1")


# --- delete, metrics, tokens ---


def test_delete(pin: PinterestConnector, server: PinterestServer, tmp_path: Path) -> None:
    pin_id = pin.publish(request(tmp_path)).network_post_id
    pin.delete(pin_id)
    assert server.pins == {}
    pin.delete(pin_id)  # already gone
    server.fail_next(403, method="DELETE", message="Not your pin")
    with pytest.raises(Rejected, match="Not your pin"):
        pin.delete(pin_id)


def test_metrics(pin: PinterestConnector, server: PinterestServer, tmp_path: Path) -> None:
    pin_id = pin.publish(request(tmp_path)).network_post_id
    server.analytics[pin_id] = {"IMPRESSION": 900, "SAVE": 31, "PIN_CLICK": 20, "OUTBOUND_CLICK": 5}
    metrics = pin.fetch_metrics(pin_id)
    assert (metrics.impressions, metrics.saves, metrics.clicks, metrics.video_views) == (
        900,
        31,
        25,
        0,
    )
    with pytest.raises(Rejected, match="Pin not found"):
        pin.fetch_metrics("1")


def test_refresh_token(pin: PinterestConnector, server: PinterestServer) -> None:
    creds = pin.refresh_token()
    assert creds["access_token"] in server.tokens and "refresh_token" not in creds
    assert datetime.fromisoformat(creds["expires_at"]) > datetime.now(UTC) + timedelta(days=29)
    account = AccountContext(
        1,
        "a",
        {"access_token": "t", "refresh_token": "old"},
        settings={"oauth_token_url": f"{server.url}/v5/oauth/token"},
    )
    apps = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    with PinterestConnector(account, app_credentials=apps) as other, pytest.raises(AuthExpired):
        other.refresh_token()
    with (
        PinterestConnector(AccountContext(1, "a", {"access_token": "t"})) as bare,
        pytest.raises(AuthExpired, match="no Pinterest refresh token"),
    ):
        bare.refresh_token()
