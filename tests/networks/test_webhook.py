"""The webhook connector against a local receiver that verifies the signature independently."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.registry import connector_class
from clairon.networks.webhook import SCHEMA, WebhookConnector, sign, verify
from tests.networks.servers.webhook_server import SECRET, WebhookServer


@pytest.fixture
def server() -> Iterator[WebhookServer]:
    with WebhookServer() as s:
        yield s


def connector_for(server: WebhookServer, secret: str = SECRET, **kw: object) -> WebhookConnector:
    account = AccountContext(7, "my-cms", {"secret": secret}, base_url=server.hook_url)
    return WebhookConnector(account, **kw)  # type: ignore[arg-type]


@pytest.fixture
def hook(server: WebhookServer) -> Iterator[WebhookConnector]:
    with connector_for(server, timeout=2.0) as connector:
        yield connector


def request(text: str = "Hello from Clairon", key: str = "v-1", **kw: object) -> PublishRequest:
    return PublishRequest(variant_id=1, idempotency_key=key, text=text, **kw)  # type: ignore[arg-type]


# --- the signature ---


def test_sign_is_hmac_sha256_over_timestamp_and_body() -> None:
    # the receiver's recipe, computed by hand
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign("k", 1700000000, b"{}") == f"sha256={expected}"


@given(st.binary(max_size=200), st.text(min_size=1, max_size=20))
def test_verify_accepts_its_own_signature_and_rejects_any_change(body: bytes, secret: str) -> None:
    now = 1_800_000_000
    headers = {"X-Clairon-Timestamp": str(now), "X-Clairon-Signature": sign(secret, now, body)}
    assert verify(secret, headers, body, now=now)
    assert not verify(secret, headers, body + b"x", now=now)
    assert not verify(secret + "x", headers, body, now=now)
    assert not verify(secret, headers, body, now=now + 301)  # replayed too late
    assert not verify(secret, {"x-clairon-signature": "sha256=0"}, body, now=now)


# --- publishing ---


def test_registered_with_its_capabilities() -> None:
    assert connector_class("webhook") is WebhookConnector
    assert Capability.reconcile in WebhookConnector.capabilities
    assert Capability.refresh_token not in WebhookConnector.capabilities


def test_publish_posts_the_signed_variant(
    hook: WebhookConnector, server: WebhookServer, tmp_path: Path
) -> None:
    photo = tmp_path / "p.png"
    photo.write_bytes(b"\x89PNG-bytes")
    media = MediaFile(photo, "image/png", 10, width=4, height=3, alt_text="Shop")
    result = hook.publish(
        request(thread=("Two",), first_comment="PS", media=(media,), options={"title": "T"})
    )
    (delivery,) = server.deliveries
    payload = delivery["payload"]
    assert payload["schema"] == SCHEMA and payload["idempotency_key"] == "v-1"
    assert (payload["text"], payload["thread"], payload["first_comment"]) == (
        "Hello from Clairon",
        ["Two"],
        "PS",
    )
    assert payload["account"] == {"id": 7, "handle": "my-cms"}
    assert payload["media"][0]["alt_text"] == "Shop" and delivery["media"] == [b"\x89PNG-bytes"]
    assert result.network_post_id == server.received["v-1"]["id"]
    assert result.url == server.received["v-1"]["url"]
    assert result.published_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def test_same_key_is_delivered_once(hook: WebhookConnector, server: WebhookServer) -> None:
    first = hook.publish(request())
    assert hook.publish(request()).network_post_id == first.network_post_id
    server.duplicate_status = 409
    assert hook.publish(request()).network_post_id == first.network_post_id
    assert len(server.deliveries) == 1


def test_answer_without_a_body_uses_the_key(hook: WebhookConnector, server: WebhookServer) -> None:
    server.answer_body = False
    result = hook.publish(request(key="k-204"))
    assert (result.network_post_id, result.url) == ("k-204", None)


def test_limits_follow_account_settings(server: WebhookServer) -> None:
    account = AccountContext(
        1, "a", {"secret": SECRET}, settings={"url": server.hook_url, "max_length": 10}
    )
    with WebhookConnector(account) as connector:
        assert connector.limits().max_length == 10
        assert any("11 characters" in str(p) for p in connector.validate(request("x" * 11)))
        assert connector.publish(request("short")).network_post_id


# --- failure classes ---


def test_wrong_secret_or_config_is_refused(server: WebhookServer) -> None:
    wrong = connector_for(server, secret="nope")
    with wrong, pytest.raises(Rejected, match=r"\(401\): invalid signature"):
        wrong.publish(request())
    with connector_for(server, secret="") as empty, pytest.raises(AuthExpired, match="secret"):
        empty.publish(request())
    nowhere = AccountContext(1, "a", {"secret": SECRET})
    with WebhookConnector(nowhere) as c, pytest.raises(Rejected, match="no webhook URL"):
        c.publish(request())
    assert server.deliveries == []


def test_4xx_is_rejected_with_the_receivers_words(hook: WebhookConnector) -> None:
    with pytest.raises(Rejected, match="text is required") as caught:
        hook.publish(request(""))
    assert caught.value.status == 422


def test_429_uses_retry_after(hook: WebhookConnector, server: WebhookServer) -> None:
    server.fail_next(429)
    with pytest.raises(RateLimited) as caught:
        hook.publish(request())
    assert caught.value.retry_after == 42
    server.fail_next(429, headers={"Retry-After": "Tue, 24 Nov 2099 12:00:00 GMT"})
    with pytest.raises(RateLimited) as dated:
        hook.publish(request())
    assert dated.value.retry_after > 3600
    server.fail_next(429, headers={"Retry-After": "soon"})
    with pytest.raises(RateLimited) as junk:
        hook.publish(request())
    assert junk.value.retry_after == 60


def test_5xx_is_transient(hook: WebhookConnector, server: WebhookServer) -> None:
    server.fail_next(503)
    with pytest.raises(Transient, match="down for maintenance"):
        hook.publish(request())
    assert server.deliveries == []


def test_connect_error_before_sending_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    account = AccountContext(1, "a", {"secret": SECRET}, base_url=f"http://127.0.0.1:{port}/h")
    with WebhookConnector(account, timeout=1) as c, pytest.raises(Transient):
        c.publish(request())
    with WebhookConnector(account, timeout=1) as c, pytest.raises(Transient):
        c.find_published(request(), datetime.now(UTC))


def test_timeout_after_send_is_unknown_then_reconciled(server: WebhookServer) -> None:
    since = datetime.now(UTC)
    server.delay_after(1.0, path="/hook")
    with connector_for(server, timeout=0.3) as c:
        with pytest.raises(UnknownOutcome, match="no answer"):
            c.publish(request(key="slow"))
        found = c.find_published(request(key="slow"), since)
    assert found is not None and found.network_post_id == server.received["slow"]["id"]


def test_dropped_answer_is_unknown_and_absence_is_proved(
    hook: WebhookConnector, server: WebhookServer
) -> None:
    since = datetime.now(UTC)
    server.drop_after(path="/hook")
    with pytest.raises(UnknownOutcome):
        hook.publish(request(key="dropped"))
    assert hook.find_published(request(key="dropped"), since) is not None
    assert hook.find_published(request(key="never-sent"), since) is None


def test_reconcile_when_the_receiver_cannot_look_up(
    hook: WebhookConnector, server: WebhookServer
) -> None:
    server.lookup = False
    with pytest.raises(Rejected, match="cannot look posts up"):
        hook.find_published(request(), datetime.now(UTC))
    server.lookup = True
    server.fail_next(500, method="GET")
    with pytest.raises(Transient):
        hook.find_published(request(), datetime.now(UTC))


def test_odd_answers() -> None:
    account = AccountContext(1, "a", {"secret": "s"}, base_url="http://receiver/h")
    text = httpx.MockTransport(lambda r: httpx.Response(400, text="nope"))
    with httpx.Client(transport=text) as http, pytest.raises(Rejected, match="nope"):
        WebhookConnector(account, http=http).publish(request())
    listed = httpx.MockTransport(lambda r: httpx.Response(400, json=["x"]))
    with httpx.Client(transport=listed) as http, pytest.raises(Rejected, match="HTTP 400"):
        WebhookConnector(account, http=http).publish(request())
    html = httpx.MockTransport(lambda r: httpx.Response(200, text="<html>ok</html>"))
    with httpx.Client(transport=html) as http:
        assert WebhookConnector(account, http=http).publish(request()).network_post_id == "v-1"
    conflict = httpx.MockTransport(lambda r: httpx.Response(409, json={"error": "busy"}))
    with httpx.Client(transport=conflict) as http, pytest.raises(Rejected, match="busy"):
        WebhookConnector(account, http=http).publish(request())
    dated = {"id": "1", "published_at": "2026-11-24T14:00:00"}
    naive = httpx.MockTransport(lambda r: httpx.Response(200, json=dated))
    with httpx.Client(transport=naive) as http:
        result = WebhookConnector(account, http=http).publish(request())
    assert result.published_at == datetime(2026, 11, 24, 14, tzinfo=UTC)
    bad = httpx.MockTransport(lambda r: httpx.Response(200, json={"published_at": "later"}))
    with httpx.Client(transport=bad) as http:
        assert WebhookConnector(account, http=http).publish(request()).published_at is None
