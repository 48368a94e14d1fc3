"""The generic webhook connector: a signed JSON POST of the variant to the account's URL.

The body is the variant as JSON (text, thread, first comment, options, media with their bytes
in base64). It is signed with HMAC-SHA256 over ``"<timestamp>." + raw body`` using the
account's secret: ``X-Clairon-Timestamp: <unix seconds>`` and
``X-Clairon-Signature: sha256=<hex>``; ``Idempotency-Key`` carries the variant's key. A 2xx
answer may carry ``{"id": ..., "url": ...}``; a 409 with an ``id`` means "already received".
4xx -> Rejected, 429 -> RateLimited (``Retry-After``), 5xx and failures before sending ->
Transient, a POST whose answer was lost -> UnknownOutcome, settled by the optional
``GET <url>?idempotency_key=<key>`` (200 with the post, or 404).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import httpx

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks.base import (
    NOT_SENT,
    Capability,
    Connector,
    Limits,
    MediaRule,
    PublishRequest,
    PublishResult,
)

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookConnector", "sign", "verify"]

SIGNATURE_HEADER = "X-Clairon-Signature"
TIMESTAMP_HEADER = "X-Clairon-Timestamp"
SCHEMA = "clairon.webhook.post/1"
DEFAULT_MAX_LENGTH = 100_000


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Clairon-Signature`` value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: float = 300.0,
    now: float | None = None,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        timestamp = int(lowered[TIMESTAMP_HEADER.lower()])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected, lowered.get(SIGNATURE_HEADER.lower(), ""))


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return 60.0


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        for field in ("error", "message", "detail"):
            if isinstance(body.get(field), str) and body[field]:
                return str(body[field])
    return f"HTTP {response.status_code}"


class WebhookConnector(Connector):
    network: ClassVar[str] = "webhook"
    display_name: ClassVar[str] = "Webhook"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.publish,
            Capability.media,
            Capability.thread,
            Capability.first_comment,
            Capability.reconcile,
        }
    )
    max_concurrency: ClassVar[int] = 4

    # --- configuration ---
    @property
    def url(self) -> str:
        url = self.account.base_url or self.account.settings.get("url")
        if not url:
            raise Rejected("no webhook URL is set for this account")
        return str(url)

    @property
    def secret(self) -> str:
        secret = self.account.credentials.get("secret", "")
        if not secret:
            raise AuthExpired("no webhook signing secret is stored for this account")
        return secret

    def limits(self) -> Limits:
        settings = self.account.settings
        return Limits(
            network=self.network,
            max_length=int(settings.get("max_length", DEFAULT_MAX_LENGTH)),
            media=(
                MediaRule(
                    kinds=frozenset({"image", "gif", "video", "document"}),
                    max_count=int(settings.get("max_media", 10)),
                    max_bytes=int(settings.get("max_media_bytes", 25 * 1024 * 1024)),
                    post_type=str(settings.get("post_type", "feed")),
                ),
            ),
            mixed_media=True,
        )

    # --- the payload ---
    def payload(self, request: PublishRequest) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "account": {"id": self.account.account_id, "handle": self.account.handle},
            "variant_id": request.variant_id,
            "idempotency_key": request.idempotency_key,
            "text": request.text,
            "language": request.language,
            "thread": list(request.thread),
            "first_comment": request.first_comment,
            "reply_to": request.reply_to,
            "post_type": request.post_type,
            "options": request.options,
            "ai_generated": request.ai_generated,
            "media": [
                {
                    "name": m.path.name,
                    "mime": m.mime,
                    "size_bytes": m.size_bytes,
                    "width": m.width,
                    "height": m.height,
                    "duration_seconds": m.duration_seconds,
                    "alt_text": m.alt_text,
                    "content_base64": base64.b64encode(m.path.read_bytes()).decode("ascii"),
                }
                for m in request.media
            ],
        }

    def _headers(self, body: bytes, key: str) -> dict[str, str]:
        timestamp = int(time.time())
        return {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "Clairon-Webhook/1",
            "Idempotency-Key": key,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        body = json.dumps(self.payload(request), ensure_ascii=False).encode("utf-8")
        headers = self._headers(body, request.idempotency_key)
        try:
            response = self.http.post(self.url, content=body, headers=headers)
        except NOT_SENT as exc:
            raise Transient(f"could not reach the webhook: {exc}") from exc
        except httpx.TransportError as exc:
            raise UnknownOutcome(
                f"the webhook POST was sent but no answer came back ({type(exc).__name__})"
            ) from exc
        if response.status_code == 409:  # the receiver already has this key
            existing = self._answer(response, request.idempotency_key, strict=True)
            if existing is not None:
                return existing
        self._raise_for_status(response)
        answer = self._answer(response, request.idempotency_key)
        assert answer is not None
        return answer

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        message, text = _message(response), response.text[:2000]
        if status == 429:
            raise RateLimited(
                f"the webhook asks to slow down: {message}",
                retry_after=_retry_after(response),
                status=status,
                body=text,
            )
        if status >= 500:
            raise Transient(f"webhook error {status}: {message}", status=status, body=text)
        raise Rejected(f"the webhook refused it ({status}): {message}", status=status, body=text)

    def _answer(
        self, response: httpx.Response, key: str, *, strict: bool = False
    ) -> PublishResult | None:
        """The receiver's ``{"id", "url"}`` (the key stands in for a missing id)."""
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
        if not isinstance(body, dict) or (strict and not body.get("id")):
            return None
        return PublishResult(
            network_post_id=str(body.get("id") or key),
            url=str(body["url"]) if body.get("url") else None,
            published_at=_parse_time(body.get("published_at")),
            extra={"receiver_status": response.status_code},
        )

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """``GET <url>?idempotency_key=<key>``: 200 with the post, 404 when the receiver never
        got it (an answer to that question is the receiver's promise, not a guess)."""
        key = request.idempotency_key
        try:
            response = self.http.get(
                self.url, params={"idempotency_key": key}, headers=self._headers(b"", key)
            )
        except httpx.TransportError as exc:
            raise Transient(f"the webhook could not be asked about {key}: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code in (405, 501):
            raise Rejected("this webhook receiver cannot look posts up", status=405)
        self._raise_for_status(response)
        return self._answer(response, key)
