"""Failure notifications: a local webhook receiver checks the signature; a receiver that is down
never fails publishing, and the ``notify`` job is retried with the worker's backoff."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clairon.domain import AccountStatus, Role, VariantStatus
from clairon.errors import AuthExpired, NotFound, PermissionDenied, Rejected, ValidationFailed
from clairon.services import accounts, notifications, upkeep
from clairon.services.context import Context
from clairon.store import accounts as account_repo
from clairon.store import workspaces as ws_repo
from clairon.worker.retry import RetryPolicy
from clairon.worker.runner import Runner
from tests.factories import World, add_member, make_world
from tests.worker.conftest import Clock, Script, schedule, variant


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: answers the scripted statuses, then 200."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def delivered(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            rec.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = rec.statuses.pop(0) if rec.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/clairon"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tctx(ctx: Context, clock: Clock) -> Context:
    return replace(ctx, clock=clock)


@pytest.fixture
def world(tctx: Context) -> World:
    return make_world(tctx, require_approval=False)


FAST = RetryPolicy(base=1.0, factor=2.0, jitter=0.0)


def run(ctx: Context, script: Script | None = None) -> Runner:
    runner = Runner(
        ctx, connector_factory=(script or Script()).factory, periodic=False, policy=FAST
    )
    runner.run_until_idle()
    runner.close()
    return runner


def notify_jobs(ctx: Context) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from clairon.store.tables import jobs

    with ctx.store.transaction() as conn:
        rows = conn.execute(select(jobs).where(jobs.c.name == "notify").order_by(jobs.c.id))
        return [dict(r) for r in rows.mappings()]


def check_signed(rec: Receiver, secret: str) -> None:
    for headers, body in rec.received:
        assert notifications.verify_signature(secret, body, headers["x-clairon-signature"])
        assert not notifications.verify_signature(
            secret + "x", body, headers["x-clairon-signature"]
        )


# --- settings ---


def test_webhook_secret_is_generated_and_stored_encrypted(tctx: Context, world: World) -> None:
    secret = notifications.set_notification_webhook(
        tctx, world.actor, world.workspace.id, "https://hooks.example.org/clairon"
    )
    assert secret and len(secret) >= 32
    with tctx.store.transaction() as conn:
        ws = ws_repo.get_workspace(conn, world.workspace.id)
    assert ws is not None and secret not in json.dumps(ws.settings)
    config = notifications.notification_webhook(tctx, world.actor, world.workspace.id)
    assert config == notifications.WebhookConfig("https://hooks.example.org/clairon", secret)
    assert notifications.set_notification_webhook(tctx, world.actor, world.workspace.id, "") is None
    assert notifications.notification_webhook(tctx, world.actor, world.workspace.id) is None


@pytest.mark.parametrize("url", ["ftp://x.org/h", "not a url", "http://"])
def test_webhook_url_must_be_http(tctx: Context, world: World, url: str) -> None:
    with pytest.raises(ValidationFailed, match="webhook_url"):
        notifications.set_notification_webhook(tctx, world.actor, world.workspace.id, url)


def test_only_managers_set_the_webhook(tctx: Context, world: World) -> None:
    editor = add_member(tctx, world, Role.editor)
    with pytest.raises(PermissionDenied):
        notifications.set_notification_webhook(tctx, editor, world.workspace.id, "https://a.org")
    stranger = make_world(tctx, "Other").actor
    with pytest.raises(NotFound):
        notifications.set_notification_webhook(tctx, stranger, world.workspace.id, "https://a.org")


# --- signature (pure) ---


@given(st.binary(max_size=300), st.text(min_size=1, max_size=40), st.integers(0, 299))
def test_any_change_to_the_body_breaks_the_signature(body: bytes, secret: str, at: int) -> None:
    header = notifications.sign(secret, body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert notifications.verify_signature(secret, body, header)
    tampered = bytearray(body or b"\0")
    tampered[at % len(tampered)] ^= 0x01
    assert not notifications.verify_signature(secret, bytes(tampered), header)


# --- delivery ---


def test_notify_posts_signed_json_and_records_it(
    tctx: Context, world: World, receiver: Receiver
) -> None:
    secret = notifications.set_notification_webhook(
        tctx, world.actor, world.workspace.id, receiver.url
    )
    assert secret is not None
    acc = world.outbox
    assert notifications.notify(
        tctx, world.workspace.id, "account.reconnect_needed", {"account_id": acc.id}
    )
    [(headers, body)] = receiver.received
    check_signed(receiver, secret)
    assert headers["content-type"] == "application/json"
    assert headers["x-clairon-event"] == "account.reconnect_needed"
    sent = json.loads(body)
    assert sent["event"] == "account.reconnect_needed"
    assert sent["workspace_id"] == world.workspace.id
    assert sent["data"]["account"] == acc.handle and sent["data"]["network"] == "outbox"
    assert sent["data"]["url"].endswith(f"/w/{world.workspace.id}/accounts")
    assert headers["x-clairon-delivery"] == sent["id"]
    [event] = notifications.recent_notifications(tctx, world.actor, world.workspace.id)
    assert event.action == "notification.sent" and event.after["status"] == 200
    assert secret not in json.dumps(event.after)


def test_without_webhook_nothing_is_sent_or_queued(tctx: Context, world: World) -> None:
    assert not notifications.notify(tctx, world.workspace.id, "variant.failed", {})
    [vid] = schedule(tctx, world, ["Refused"])
    run(tctx, Script([Rejected("duplicate content")]))
    assert variant(tctx, vid).status == VariantStatus.failed
    assert notify_jobs(tctx) == []


def test_receiver_refusal_gives_up_without_retry(
    tctx: Context, world: World, receiver: Receiver
) -> None:
    notifications.set_notification_webhook(tctx, world.actor, world.workspace.id, receiver.url)
    receiver.statuses = [410]
    with pytest.raises(Rejected, match="HTTP 410"):
        notifications.notify(tctx, world.workspace.id, "variant.failed", {"variant_id": 1})
    [event] = notifications.recent_notifications(tctx, world.actor, world.workspace.id)
    assert event.action == "notification.failed" and event.after["status"] == 410


# --- through publishing and the worker ---


def test_failed_publish_is_notified_by_the_worker(
    tctx: Context, world: World, receiver: Receiver
) -> None:
    secret = notifications.set_notification_webhook(
        tctx, world.actor, world.workspace.id, receiver.url
    )
    assert secret is not None
    [vid] = schedule(tctx, world, ["Too spicy"])
    run(tctx, Script([Rejected("Text character limit of 500 exceeded")]))
    v = variant(tctx, vid)
    assert v.status == VariantStatus.failed
    [sent] = receiver.delivered()
    check_signed(receiver, secret)
    assert sent["event"] == "variant.failed"
    data = sent["data"]
    assert data["variant_id"] == vid and data["post_id"] == v.post_id
    assert data["status"] == "failed" and "limit of 500" in data["error"]
    assert data["network"] == "outbox" and data["url"].endswith(f"/posts/{v.post_id}")
    assert [j["status"] for j in notify_jobs(tctx)] == ["done"]


def test_unconfirmed_publish_is_notified(tctx: Context, world: World, receiver: Receiver) -> None:
    notifications.set_notification_webhook(tctx, world.actor, world.workspace.id, receiver.url)
    [vid] = schedule(tctx, world, ["Lost answer"])
    run(tctx, Script(["lost"]))
    assert variant(tctx, vid).status == VariantStatus.unconfirmed
    events = [d["event"] for d in receiver.delivered()]
    assert events == ["variant.unconfirmed"]


def test_receiver_down_never_fails_publishing_and_the_job_is_retried(
    tctx: Context, world: World, receiver: Receiver, clock: Clock
) -> None:
    secret = notifications.set_notification_webhook(
        tctx, world.actor, world.workspace.id, receiver.url
    )
    assert secret is not None
    receiver.statuses = [503, 500]
    ok, bad = schedule(tctx, world, ["Fine", "Refused"])
    run(tctx, Script([None, Rejected("duplicate")]))
    assert variant(tctx, ok).status == VariantStatus.published
    assert variant(tctx, bad).status == VariantStatus.failed
    [job] = notify_jobs(tctx)
    assert job["status"] == "queued" and job["attempts"] == 1
    assert (job["run_at"] - clock.now).total_seconds() == pytest.approx(1.0)
    clock.advance(1.1)
    run(tctx)
    [job] = notify_jobs(tctx)
    assert job["status"] == "queued" and job["attempts"] == 2
    assert (job["run_at"] - clock.now).total_seconds() == pytest.approx(2.0)  # backoff grows
    clock.advance(2.1)
    run(tctx)
    assert [j["status"] for j in notify_jobs(tctx)] == ["done"]
    bodies = [body for _, body in receiver.received]
    assert len(bodies) == 3 and len(set(bodies)) == 1  # same delivery id on each try
    check_signed(receiver, secret)
    actions = [
        e.action for e in notifications.recent_notifications(tctx, world.actor, world.workspace.id)
    ]
    assert actions == ["notification.sent", "notification.failed", "notification.failed"]


def test_unreachable_receiver_is_retried(tctx: Context, world: World, clock: Clock) -> None:
    notifications.set_notification_webhook(
        tctx, world.actor, world.workspace.id, "http://127.0.0.1:9/nobody-listens"
    )
    [vid] = schedule(tctx, world, ["Refused"])
    run(tctx, Script([Rejected("no")]))
    assert variant(tctx, vid).status == VariantStatus.failed
    [job] = notify_jobs(tctx)
    assert job["status"] == "queued" and job["attempts"] == 1
    [event] = notifications.recent_notifications(tctx, world.actor, world.workspace.id)
    assert event.action == "notification.failed" and "Connect" in event.after["error"]


def test_reconnect_needed_is_notified_once(tctx: Context, world: World, receiver: Receiver) -> None:
    notifications.set_notification_webhook(tctx, world.actor, world.workspace.id, receiver.url)
    acc = world.outbox
    accounts.mark_reconnect_needed(tctx, acc.id, "token refresh refused: invalid_grant")
    accounts.mark_reconnect_needed(tctx, acc.id, "again")  # already marked: no second one
    with tctx.store.transaction() as conn:
        stored = account_repo.get_account(conn, acc.id)
    assert stored is not None and stored.status == AccountStatus.reconnect_needed
    run(tctx)
    [sent] = receiver.delivered()
    assert sent["event"] == "account.reconnect_needed"
    assert sent["data"]["account_id"] == acc.id
    assert sent["data"]["reason"] == "token refresh refused: invalid_grant"


def test_notify_job_is_registered_with_a_strict_payload(tctx: Context) -> None:
    from clairon.worker.registry import default_registry

    spec = default_registry.get("notify", 1)
    with pytest.raises(ValidationFailed):
        spec.parse({"id": "x", "workspace_id": 1, "event": "variant.failed", "extra": 1})


def test_refused_token_refresh_notifies_reconnect_needed(
    tctx: Context, world: World, receiver: Receiver, clock: Clock
) -> None:
    notifications.set_notification_webhook(tctx, world.actor, world.workspace.id, receiver.url)
    acc = accounts.connect_account(
        tctx,
        world.actor,
        world.workspace.id,
        "outbox",
        "expiring",
        credentials={"access_token": "old", "refresh_token": "RT"},
        token_expires_at=clock.now + timedelta(minutes=10),
    )
    script = Script(refresh=AuthExpired("invalid_grant: token revoked"))
    report = upkeep.refresh_expiring_tokens(tctx, connector_factory=script.factory)
    assert report.failed == 1 and script.refreshes == 1
    run(tctx)
    [sent] = receiver.delivered()
    assert sent["event"] == "account.reconnect_needed"
    assert sent["data"]["account_id"] == acc.id and sent["data"]["account"] == "expiring"
    assert "invalid_grant" in sent["data"]["reason"]


def test_the_verification_snippet_in_the_docs_accepts_our_signatures() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "accounts.md").read_text("utf-8")
    snippet = next(
        block.split("```", 1)[0]
        for block in doc.split("```python")[1:]
        if "def is_from_clairon" in block
    )
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)  # the documented receiver code, as a user would paste it
    body = b'{"event":"variant.failed"}'
    header = notifications.sign("s3cret", body)
    assert namespace["is_from_clairon"]("s3cret", body, header)
    assert not namespace["is_from_clairon"]("other", body, header)
