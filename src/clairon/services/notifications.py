"""Failure notifications: a signed JSON POST to the workspace's webhook when a variant fails or
is unconfirmed, or when an account needs reconnecting.

Publishing never waits for a receiver: the use cases only *queue* a ``notify`` job in the
transaction that records the failure (:func:`enqueue_notification`); the worker delivers it
(:func:`deliver`) and retries with the worker's backoff when the receiver is down. Every
attempt is written to the audit log (``notification.sent`` / ``notification.failed``), which
the accounts page shows as the recent notifications.

The body is signed with HMAC-SHA256 of the raw body under the workspace's secret::

    X-Clairon-Signature: sha256=<hex digest>

A delivery keeps its ``id`` across retries, so a receiver can drop duplicates.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import Connection

from clairon.domain import Action, AuditEvent
from clairon.errors import RateLimited, Rejected, Transient, ValidationFailed
from clairon.services.context import SYSTEM, Actor, Context, audit, authorize
from clairon.store import accounts as account_repo
from clairon.store import audit as audit_repo
from clairon.store import jobs as job_repo
from clairon.store import posts as post_repo
from clairon.store import workspaces as ws_repo

__all__ = [
    "EVENTS",
    "NOTIFY_JOB",
    "SIGNATURE_HEADER",
    "WebhookConfig",
    "deliver",
    "enqueue_notification",
    "enqueue_variant_notifications",
    "notification_webhook",
    "notify",
    "recent_notifications",
    "set_notification_webhook",
    "sign",
    "verify_signature",
]

NOTIFY_JOB = "notify"
SIGNATURE_HEADER = "X-Clairon-Signature"
EVENTS = frozenset({"variant.failed", "variant.unconfirmed", "account.reconnect_needed"})
MAX_ATTEMPTS = 10  # with the worker's backoff (2 s doubling, capped 15 min): about 40 minutes
_KEY = "notifications"


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str
    secret: str


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header.strip())


def _validate_url(url: str) -> str:
    url = url.strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValidationFailed("must be an http:// or https:// URL", "webhook_url")
    return url


def set_notification_webhook(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    url: str | None,
    secret: str | None = None,
) -> str | None:
    """Set (or, with ``url=None``/empty, remove) the workspace's webhook. Returns the signing
    secret (generated when not given), which is stored encrypted and shown only here."""
    with ctx.store.transaction(write_lock=True) as conn:
        authorize(conn, actor, workspace_id, Action.manage)
        ws = ws_repo.get_workspace(conn, workspace_id)
        assert ws is not None
        settings = dict(ws.settings)
        before = (settings.get(_KEY) or {}).get("webhook_url", "")
        if url and url.strip():
            clean = _validate_url(url)
            secret = secret or secrets.token_urlsafe(32)
            settings[_KEY] = {
                "webhook_url": clean,
                "webhook_secret": ctx.cipher.encrypt({"secret": secret}).decode("ascii"),
            }
        else:
            clean, secret = "", None
            settings.pop(_KEY, None)
        ws_repo.update_workspace(conn, workspace_id, settings=settings)
        audit(
            conn,
            ctx,
            actor,
            workspace_id,
            "notification.webhook_set",
            "workspace",
            workspace_id,
            before={"webhook_url": before},
            after={"webhook_url": clean},
        )
    return secret


def _config_of(ctx: Context, settings: Mapping[str, Any]) -> WebhookConfig | None:
    stored = settings.get(_KEY) or {}
    url, token = stored.get("webhook_url"), stored.get("webhook_secret")
    if not url or not token:
        return None
    secret = ctx.cipher.decrypt(str(token).encode("ascii"))["secret"]
    return WebhookConfig(url=str(url), secret=str(secret))


def notification_webhook(ctx: Context, actor: Actor, workspace_id: int) -> WebhookConfig | None:
    """The workspace's webhook (URL and secret), or ``None``."""
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.manage)
        ws = ws_repo.get_workspace(conn, workspace_id)
    return _config_of(ctx, ws.settings) if ws else None


def recent_notifications(
    ctx: Context, actor: Actor, workspace_id: int, limit: int = 20
) -> list[AuditEvent]:
    """The last delivery attempts (sent or failed), newest first."""
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        return audit_repo.list_events(conn, workspace_id, object_type="notification", limit=limit)


# --- queueing (inside the caller's transaction) ---


def _has_webhook(conn: Connection, workspace_id: int) -> bool:
    ws = ws_repo.get_workspace(conn, workspace_id)
    return ws is not None and bool((ws.settings.get(_KEY) or {}).get("webhook_url"))


def enqueue_notification(
    conn: Connection, workspace_id: int, event: str, data: Mapping[str, Any], now: datetime
) -> bool:
    """Queue a ``notify`` job in the caller's transaction when the workspace has a webhook.
    Never raises for a notification matter: publishing must not fail because of it."""
    if event not in EVENTS or not _has_webhook(conn, workspace_id):
        return False
    job_repo.enqueue_job(
        conn,
        NOTIFY_JOB,
        {
            "id": secrets.token_hex(8),
            "workspace_id": workspace_id,
            "event": event,
            "occurred_at": now.isoformat(),
            "data": dict(data),
        },
        run_at=now,
        now=now,
        max_attempts=MAX_ATTEMPTS,
    )
    return True


def enqueue_variant_notifications(
    conn: Connection, events: Iterable[Mapping[str, Any]], now: datetime
) -> int:
    """Queue one notification per ``variant.failed`` / ``variant.unconfirmed`` audit row."""
    queued = 0
    webhook: dict[int, bool] = {}
    for e in events:
        if e.get("action") not in ("variant.failed", "variant.unconfirmed"):
            continue
        ws_id = int(e["workspace_id"])
        if ws_id not in webhook:
            webhook[ws_id] = _has_webhook(conn, ws_id)
        if not webhook[ws_id]:
            continue
        after = e.get("after") or {}
        data = {
            "variant_id": int(e["object_id"]),
            "status": after.get("status", ""),
            "error": after.get("error") or after.get("reason") or "",
        }
        queued += enqueue_notification(conn, ws_id, str(e["action"]), data, now)
    return queued


# --- delivery (the worker) ---


def _describe(ctx: Context, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    """Add what a reader needs to act: the post, network, account and a link."""
    out = dict(data)
    base = ctx.settings.base_url.rstrip("/")
    if "variant_id" in data:
        v = post_repo.get_variant(conn, int(data["variant_id"]))
        if v is not None:
            acc = account_repo.get_account(conn, v.account_id)
            out.update(
                post_id=v.post_id,
                network=v.network,
                account=acc.handle if acc else "",
                url=f"{base}/posts/{v.post_id}",
            )
    if "account_id" in data:
        acc = account_repo.get_account(conn, int(data["account_id"]))
        if acc is not None:
            out.update(
                network=acc.network,
                account=acc.handle,
                url=f"{base}/w/{acc.workspace_id}/accounts",
            )
    return out


def _record(
    ctx: Context, workspace_id: int, action: str, delivery: str, after: dict[str, object]
) -> None:
    with ctx.store.transaction() as conn:
        audit(conn, ctx, SYSTEM, workspace_id, action, "notification", delivery, after=after)


def deliver(
    ctx: Context,
    *,
    delivery_id: str,
    workspace_id: int,
    event: str,
    occurred_at: str,
    data: Mapping[str, Any],
    attempt: int = 1,
) -> bool:
    """POST one signed notification. Returns ``False`` when the workspace has no webhook
    (any more). Raises :class:`Transient`/:class:`RateLimited` (retry) or :class:`Rejected`
    (the receiver refused it: 4xx, give up); every attempt is audited."""
    with ctx.store.transaction() as conn:
        ws = ws_repo.get_workspace(conn, workspace_id)
        config = _config_of(ctx, ws.settings) if ws else None
        if config is None:
            return False
        described = _describe(ctx, conn, dict(data))
    body = json.dumps(
        {
            "id": delivery_id,
            "event": event,
            "workspace_id": workspace_id,
            "occurred_at": occurred_at,
            "data": described,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Clairon-Webhook/1",
        "X-Clairon-Event": event,
        "X-Clairon-Delivery": delivery_id,
        SIGNATURE_HEADER: sign(config.secret, body),
    }
    summary: dict[str, object] = {"event": event, "url": config.url, "attempt": attempt}
    # Like connectors: the factory's owner (the runner, a test) closes the client it gives.
    client = ctx.http_factory() if ctx.http_factory is not None else ctx.shared_http()
    try:
        response = client.post(
            config.url, content=body, headers=headers, timeout=ctx.settings.http_timeout_seconds
        )
    except httpx.HTTPError as exc:
        failed = {**summary, "error": f"{type(exc).__name__}: {exc}"}
        _record(ctx, workspace_id, "notification.failed", delivery_id, failed)
        raise Transient(f"webhook unreachable: {exc}") from exc
    status = response.status_code
    if status < 300:
        _record(ctx, workspace_id, "notification.sent", delivery_id, {**summary, "status": status})
        return True
    error = f"HTTP {status}: {response.text[:200]}"
    refused = {**summary, "status": status, "error": error}
    _record(ctx, workspace_id, "notification.failed", delivery_id, refused)
    if status == 429:
        retry_after = response.headers.get("Retry-After", "60")
        raise RateLimited(error, retry_after=float(retry_after) if retry_after.isdigit() else 60.0)
    if status >= 500 or status == 408:
        raise Transient(error, status=status)
    raise Rejected(error, status=status)


def notify(ctx: Context, workspace_id: int, event: str, payload: Mapping[str, Any]) -> bool:
    """Deliver one notification now (no queue): for callers that are already in the worker
    or want to test their receiver. Returns ``False`` when the workspace has no webhook."""
    if event not in EVENTS and event != "test":
        raise ValidationFailed(f"unknown event {event!r}", "event")
    return deliver(
        ctx,
        delivery_id=secrets.token_hex(8),
        workspace_id=workspace_id,
        event=event,
        occurred_at=ctx.now().isoformat(),
        data=payload,
    )
