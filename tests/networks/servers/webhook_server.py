"""A local webhook receiver for tests that implements the documented contract.

It verifies ``X-Clairon-Signature`` over ``"<X-Clairon-Timestamp>." + raw body`` with its own
stdlib HMAC code (independent of the connector's), refuses a bad signature or a stale timestamp
with 401, stores posts by ``Idempotency-Key`` (a repeated key answers the same post: 200, or
409 with ``duplicate_status = 409``), answers ``GET /hook?idempotency_key=`` with the post or 404
and takes the knobs of :class:`FakeApi` (``fail_next``, ``drop_after``, ``delay_after``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

from tests.networks.servers.fake_api import ApiError, FakeApi, Request, load_fixture

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhook"
SECRET = "whsec_test_0123456789"
PATH = "/hook"


def fixture(name: str) -> Any:
    return load_fixture(FIXTURES, name)


class WebhookServer(FakeApi):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.secret = SECRET
        self.tolerance = 300
        self.received: dict[str, dict[str, Any]] = {}  # idempotency key -> post
        self.deliveries: list[dict[str, Any]] = []
        self.duplicate_status = 200
        self.answer_body = True
        self.lookup = True

    @property
    def hook_url(self) -> str:
        return self.url + PATH

    def rate_limit_headers(self) -> dict[str, str]:
        return {"Retry-After": "42"}

    def error_body(self, error: ApiError) -> Any:
        name = {401: "error__bad_signature", 404: "error__not_found", 429: "error__rate_limited"}
        body = fixture(
            name.get(error.status, "error__server" if error.status >= 500 else "error__validation")
        )
        if error.message and error.message != "-":
            body["error"] = error.message
        return body

    def default_message(self, status: int) -> str:
        return "-"

    def _check_signature(self, req: Request) -> None:
        try:
            timestamp = int(req.headers.get("x-clairon-timestamp", ""))
        except ValueError:
            raise ApiError(401, "missing timestamp") from None
        if abs(time.time() - timestamp) > self.tolerance:
            raise ApiError(401, fixture("error__stale_timestamp")["error"])
        mac = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + req.raw, hashlib.sha256)
        if not hmac.compare_digest(
            "sha256=" + mac.hexdigest(), req.headers.get("x-clairon-signature", "")
        ):
            raise ApiError(401)

    def route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        if req.path != PATH:
            raise ApiError(404, "no such endpoint")
        self._check_signature(req)
        key = req.headers.get("idempotency-key", "")
        if req.method == "GET":
            if not self.lookup:
                raise ApiError(405, "lookup not supported")
            with self.lock:
                post = self.received.get(req.query.get("idempotency_key", ""))
            if post is None:
                raise ApiError(404)
            return 200, post, {}
        if req.method != "POST":
            raise ApiError(405, "method not allowed")
        payload = json.loads(req.raw)
        if not payload.get("text") and not payload.get("media"):
            raise ApiError(422)
        with self.lock:
            if key in self.received:
                body = {**self.received[key], "duplicate": True}
                return self.duplicate_status, body, {}
            post_id = f"wh_{self.next_id()[-8:]}"
            post = fixture("received__created")
            post.update(id=post_id, url=f"https://receiver.example/posts/{post_id}")
            self.received[key] = post
            media = [base64.b64decode(m["content_base64"]) for m in payload.get("media", [])]
            self.deliveries.append({"key": key, "payload": payload, "media": media})
        return (200, post, {}) if self.answer_body else (204, None, {})
