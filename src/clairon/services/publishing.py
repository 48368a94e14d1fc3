"""Publishing due variants: the use case the worker runs, for one variant or a batch.

Three steps, so the network is never called for a variant whose state is not committed:

1. one transaction moves every due variant ``scheduled → publishing`` (compare-and-set: a
   variant someone cancelled, or that another worker took, is left alone);
2. the network is called (``validate()`` then ``publish()``), outside any transaction, with
   one connector per account and at most ``Connector.max_concurrency`` calls per account;
3. one transaction records every result (``published | failed | scheduled | unconfirmed``).

A variant found already ``publishing`` means a worker died between 1 and 3: the network may
or may not have the post, so it is NOT published again. It becomes ``unconfirmed`` and a
``reconcile_variant`` job asks the network (:mod:`clairon.services.reconciliation`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from clairon.content.guardrails import is_ai_generated
from clairon.domain import AccountStatus, SocialAccount, Variant, VariantStatus
from clairon.errors import (
    AuthExpired,
    ClaironError,
    NetworkError,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from clairon.networks.base import (
    Capability,
    Connector,
    MediaFile,
    PublishRequest,
    PublishResult,
)
from clairon.services.accounts import (
    build_connector,
    mark_reconnect_needed,
    store_refreshed_credentials,
)
from clairon.services.connector_cache import ConnectorCache
from clairon.services.context import Context
from clairon.services.notifications import enqueue_variant_notifications
from clairon.store import jobs as job_repo
from clairon.store import posts as repo
from clairon.store import workspaces as ws_repo
from clairon.worker.retry import DEFAULT_POLICY, RetryPolicy

__all__ = [
    "RECONCILE_JOB",
    "ConnectorFactory",
    "OutcomeKind",
    "PublishOutcome",
    "PublishTask",
    "idempotency_key",
    "publish_request",
    "publish_variant",
    "publish_variants",
    "reconcile_job_key",
    "variant_event",
    "variant_media",
]

ConnectorFactory = Callable[[Context, SocialAccount], Connector]

RECONCILE_JOB = "reconcile_variant"
EARLY_TOLERANCE = timedelta(seconds=1)  # a job claimed this early still publishes
RECONCILE_DELAY = 15.0  # seconds: let a slow network finish what it received before asking


def reconcile_job_key(variant_id: int) -> str:
    return f"reconcile:variant:{variant_id}"


def idempotency_key(variant: Variant) -> str:
    """Stable across every retry of one version of a variant; a new edit gets a new key."""
    return f"clairon-v{variant.id}-{variant.version}"


class OutcomeKind(StrEnum):
    published = "published"
    failed = "failed"
    retry = "retry"  # back to scheduled; run again after ``delay``
    unconfirmed = "unconfirmed"  # a reconcile job will settle it
    skipped = "skipped"  # nothing to do (cancelled, already settled, not ours)


@dataclass(frozen=True, slots=True)
class PublishTask:
    variant_id: int
    attempt: int = 1
    max_attempts: int = 8


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    variant_id: int
    kind: OutcomeKind
    message: str = ""
    delay: float = 0.0
    counts: bool = True  # for ``retry``: was this a failed attempt?
    result: PublishResult | None = None


def variant_event(
    variant: Variant,
    action: str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit row for a change the worker (the system actor) made."""
    return {
        "workspace_id": variant.workspace_id,
        "actor_id": None,
        "action": action,
        "object_type": "variant",
        "object_id": str(variant.id),
        "at": at,
        "before": before or {"status": variant.status.value},
        "after": after or {},
    }


def publish_request(variant: Variant, media: Sequence[MediaFile] = ()) -> PublishRequest:
    options = dict(variant.options)
    thread = options.pop("thread", None) or ()
    return PublishRequest(
        variant_id=variant.id,
        idempotency_key=idempotency_key(variant),
        text=variant.text,
        language=variant.language,
        media=tuple(media),
        thread=tuple(str(t) for t in thread),
        first_comment=variant.first_comment,
        post_type=str(options.get("post_type", "feed")),
        options=options,
        ai_generated=bool(variant.ai),
    )


def publish_variant(
    ctx: Context,
    variant_id: int,
    *,
    attempt: int = 1,
    max_attempts: int | None = None,
    connector_factory: ConnectorFactory = build_connector,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> PublishOutcome:
    """Publish one due variant (the reference behaviour of the ``publish_variant`` job)."""
    task = PublishTask(variant_id, attempt, max_attempts or ctx.settings.worker_max_attempts)
    return publish_variants(ctx, [task], connector_factory=connector_factory, policy=policy)[0]


@dataclass
class _Claimed:
    task: PublishTask
    variant: Variant
    request: PublishRequest
    preset: PublishOutcome | None = None  # decided without calling the network


def publish_variants(
    ctx: Context,
    tasks: Sequence[PublishTask],
    *,
    connector_factory: ConnectorFactory = build_connector,
    policy: RetryPolicy = DEFAULT_POLICY,
    executor: Executor | None = None,
    concurrency: int = 1,
    connectors: ConnectorCache | None = None,
) -> list[PublishOutcome]:
    """Publish a batch of due variants; one outcome per task, in order. A long-running
    worker passes a :class:`ConnectorCache` to reuse connectors between batches."""
    outcomes: dict[int, PublishOutcome] = {}
    claimed, accounts = _start(ctx, tasks, outcomes)
    if claimed:
        results = _call_networks(
            ctx, claimed, accounts, connector_factory, policy, executor, concurrency, connectors
        )
        _record(ctx, claimed, results)
        outcomes.update(results)
    return [outcomes[t.variant_id] for t in tasks]


# --- step 1: commit "publishing" before anything leaves ---


def _start(
    ctx: Context, tasks: Sequence[PublishTask], outcomes: dict[int, PublishOutcome]
) -> tuple[list[_Claimed], dict[int, tuple[SocialAccount, str]]]:
    now = ctx.now()
    events: list[dict[str, Any]] = []
    claimed: list[_Claimed] = []
    with ctx.store.transaction(write_lock=True) as conn:
        found = repo.get_variants(conn, [t.variant_id for t in tasks])
        accounts = {
            aid: (acc, hashlib.blake2b(token or b"", digest_size=16).hexdigest())
            for aid, (acc, token) in repo.accounts_with_credentials(
                conn, sorted({v.account_id for v in found.values()})
            ).items()
        }
        due: list[tuple[PublishTask, Variant]] = []
        abandoned: list[Variant] = []
        approvals: dict[tuple[str, int], bool] = {}
        for task in tasks:
            v = found.get(task.variant_id)
            if v is None:
                outcomes[task.variant_id] = _skip(task.variant_id, "the variant no longer exists")
            elif v.status == VariantStatus.scheduled:
                if v.scheduled_at is not None and v.scheduled_at > now + EARLY_TOLERANCE:
                    wait = (v.scheduled_at - now).total_seconds()
                    outcomes[v.id] = PublishOutcome(
                        v.id, OutcomeKind.retry, "re-scheduled later", wait, counts=False
                    )
                else:
                    due.append((task, v))
            elif v.status == VariantStatus.publishing:
                abandoned.append(v)
            elif v.status == VariantStatus.unconfirmed:
                _ensure_reconcile(conn, v.id, now, now)
                outcomes[v.id] = _skip(v.id, "unconfirmed: a reconciliation is pending")
            else:
                outcomes[v.id] = _skip(v.id, f"the variant is {v.status}, not scheduled")
        started = repo.transition_variants(
            conn,
            [v.id for _, v in due],
            expect_status=VariantStatus.scheduled,
            status=VariantStatus.publishing.value,
            updated_at=now,
        )
        for task, v in due:
            if v.id not in started:
                outcomes[v.id] = _skip(v.id, "another worker changed the variant first")
                continue
            events.append(
                variant_event(v, "variant.publishing", now, after={"status": "publishing"})
            )
            media = variant_media(conn, v)
            item = _Claimed(task, v, publish_request(v, media))
            account = accounts[v.account_id][0] if v.account_id in accounts else None
            if account is None or account.status != AccountStatus.active:
                state = account.status if account else "missing"
                item.preset = PublishOutcome(
                    v.id,
                    OutcomeKind.failed,
                    f"the account is {state}: reconnect it in Clairon, then re-schedule",
                )
            elif _ai_awaits_approval(conn, v, approvals):
                item.preset = PublishOutcome(v.id, OutcomeKind.failed, AI_NOT_APPROVED)
            claimed.append(item)
        # A variant left "publishing" by a worker that died: never send it again blindly.
        lost = repo.transition_variants(
            conn,
            [v.id for v in abandoned],
            expect_status=VariantStatus.publishing,
            status=VariantStatus.unconfirmed.value,
            error="the worker stopped while publishing; checking with the network",
            updated_at=now,
        )
        for v in abandoned:
            if v.id in lost:
                _ensure_reconcile(conn, v.id, now, now)
                events.append(
                    variant_event(
                        v,
                        "variant.unconfirmed",
                        now,
                        after={"status": "unconfirmed", "reason": "worker stopped mid-publish"},
                    )
                )
                outcomes[v.id] = PublishOutcome(v.id, OutcomeKind.unconfirmed, "worker stopped")
            else:
                outcomes[v.id] = _skip(v.id, "another worker changed the variant first")
        repo.append_variant_events(conn, events)
        enqueue_variant_notifications(conn, events, now)
    return claimed, accounts


AI_NOT_APPROVED = (
    "AI-generated content needs a human approval in this workspace and this post has none: "
    "submit it for review, have it approved, then re-schedule"
)


def _ai_awaits_approval(conn: Any, v: Variant, seen: dict[tuple[str, int], bool]) -> bool:
    """Defence in depth behind scheduling: an AI-generated variant, in a workspace that
    requires approval, whose post's latest review decision is not an approval."""
    labels = v.ai.get("labels")
    if isinstance(labels, dict) and all(isinstance(x, dict) for x in labels.values()):
        if not is_ai_generated(labels):
            return False
    elif not v.ai:  # an unreadable record counts as AI
        return False
    if ("ws", v.workspace_id) not in seen:
        ws = ws_repo.get_workspace(conn, v.workspace_id)
        seen["ws", v.workspace_id] = ws is None or ws.require_approval
    if not seen["ws", v.workspace_id]:
        return False
    if ("post", v.post_id) not in seen:
        decisions = [
            n["decision"]
            for n in repo.list_review_notes(conn, v.post_id)
            if n["decision"] in ("approved", "rejected")
        ]
        seen["post", v.post_id] = not decisions or decisions[-1] != "approved"
    return seen["post", v.post_id]


def _skip(variant_id: int, why: str) -> PublishOutcome:
    return PublishOutcome(variant_id, OutcomeKind.skipped, why)


def variant_media(conn: Any, v: Variant) -> list[MediaFile]:
    files: list[MediaFile] = []
    for media_id in v.media_ids:
        m = repo.get_media(conn, media_id)
        if m is not None:
            files.append(
                MediaFile(
                    path=Path(m.path),
                    mime=m.mime,
                    size_bytes=m.size_bytes,
                    width=m.width,
                    height=m.height,
                    duration_seconds=m.duration_seconds,
                    alt_text=m.alt_text,
                )
            )
    return files


def _ensure_reconcile(conn: Any, variant_id: int, run_at: datetime, now: datetime) -> None:
    job_repo.enqueue_job(
        conn,
        RECONCILE_JOB,
        {"variant_id": variant_id},
        run_at=run_at,
        now=now,
        dedupe_key=reconcile_job_key(variant_id),
        max_attempts=50,
    )


# --- step 2: the network ---


@dataclass
class _AccountSession:
    """One account's connector for the batch, shared by its lanes."""

    ctx: Context
    account: SocialAccount
    factory: ConnectorFactory
    cache: ConnectorCache | None = None
    fingerprint: str = ""
    connector: Connector | None = None
    owned: bool = True  # closed after the batch (not when it belongs to the cache)
    broken: str = ""
    refreshed: bool = False
    needs_reconnect: str = ""
    rate_limited: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self) -> None:
        try:
            if self.cache is not None:
                self.connector = self.cache.get(self.ctx, self.account, self.fingerprint)
                self.owned = False
            else:
                self.connector = self.factory(self.ctx, self.account)
        except ClaironError as exc:
            self.broken = f"cannot use the account's connector: {exc}"

    def close(self) -> None:
        if self.connector is not None and self.owned:
            self.connector.close()

    def publish(self, request: PublishRequest) -> PublishResult:
        assert self.connector is not None
        connector = self.connector
        try:
            return connector.publish(request)
        except AuthExpired:
            if Capability.refresh_token not in connector.capabilities:
                raise
            connector = self._refresh(connector)
            return connector.publish(request)  # the one retry after a refresh

    def _refresh(self, stale: Connector) -> Connector:
        with self.lock:
            if self.connector is not stale and self.connector is not None:
                return self.connector  # another lane refreshed already
            if self.refreshed:
                raise AuthExpired("the token was refreshed and is still refused")
            self.refreshed = True
            credentials = stale.refresh_token()
            expires = credentials.pop("expires_at", None)  # a column, not a secret
            store_refreshed_credentials(
                self.ctx,
                self.account.id,
                credentials,
                datetime.fromisoformat(expires) if expires else None,
            )
            if self.cache is not None:
                self.cache.forget(self.account.id)  # closes the stale one
            elif self.owned:
                stale.close()
            fresh = self.factory(self.ctx, self.account)
            self.connector, self.owned = fresh, True
            return fresh


def _call_networks(
    ctx: Context,
    claimed: Sequence[_Claimed],
    accounts: dict[int, tuple[SocialAccount, str]],
    factory: ConnectorFactory,
    policy: RetryPolicy,
    executor: Executor | None,
    concurrency: int,
    cache: ConnectorCache | None,
) -> dict[int, PublishOutcome]:
    results: dict[int, PublishOutcome] = {}
    by_account: dict[int, list[_Claimed]] = defaultdict(list)
    for item in claimed:
        if item.preset is not None:
            results[item.variant.id] = item.preset
        else:
            by_account[item.variant.account_id].append(item)
    sessions = {
        aid: _AccountSession(ctx, accounts[aid][0], factory, cache, accounts[aid][1])
        for aid in by_account
    }
    lanes: list[tuple[_AccountSession, list[_Claimed]]] = []
    for aid, items in by_account.items():
        session = sessions[aid]
        session.open()
        cap = session.connector.max_concurrency if session.connector is not None else 1
        n = max(1, min(cap, concurrency, len(items)))
        lanes += [(session, items[i::n]) for i in range(n)]
    try:
        if executor is None or concurrency <= 1 or len(lanes) == 1:
            for session, items in lanes:
                results.update(_run_lane(session, items, policy))
        else:
            for done in executor.map(lambda lane: _run_lane(lane[0], lane[1], policy), lanes):
                results.update(done)
    finally:
        for session in sessions.values():
            session.close()
    for session in sessions.values():
        if session.needs_reconnect:
            mark_reconnect_needed(ctx, session.account.id, session.needs_reconnect)
    return results


def _run_lane(
    session: _AccountSession, items: Iterable[_Claimed], policy: RetryPolicy
) -> dict[int, PublishOutcome]:
    return {item.variant.id: _publish_one(session, item, policy) for item in items}


def _publish_one(session: _AccountSession, item: _Claimed, policy: RetryPolicy) -> PublishOutcome:
    vid, task = item.variant.id, item.task
    if session.broken:
        return PublishOutcome(vid, OutcomeKind.failed, session.broken)
    if session.needs_reconnect:
        return PublishOutcome(vid, OutcomeKind.failed, _reconnect_message(session.needs_reconnect))
    if session.rate_limited is not None:
        return PublishOutcome(
            vid, OutcomeKind.retry, "rate limited by the network", session.rate_limited, False
        )
    assert session.connector is not None
    try:
        problems = session.connector.validate(item.request)
    except NetworkError as exc:  # e.g. the limits could not be fetched: nothing was sent
        problems = []
        error: BaseException | None = exc
    except Exception as exc:  # a connector bug before sending: say so, do not guess
        return PublishOutcome(vid, OutcomeKind.failed, f"the connector failed to check it: {exc}")
    else:
        error = None
    if problems:
        text = "; ".join(str(p) for p in problems)
        return PublishOutcome(vid, OutcomeKind.failed, f"the network's rules refuse it: {text}")
    if error is None:
        try:
            result = session.publish(item.request)
        except Exception as exc:  # every failure has a defined outcome (_outcome_of)
            error = exc
        else:
            return PublishOutcome(vid, OutcomeKind.published, result=result)
    return _outcome_of(session, vid, task, error, policy)


def _outcome_of(
    session: _AccountSession,
    vid: int,
    task: PublishTask,
    error: BaseException,
    policy: RetryPolicy,
) -> PublishOutcome:
    if isinstance(error, UnknownOutcome) or not isinstance(error, NetworkError):
        # The request may have reached the network: never send it again blindly.
        return PublishOutcome(vid, OutcomeKind.unconfirmed, f"outcome unknown: {error}")
    if isinstance(error, RateLimited):
        delay = policy.rate_limited(error.retry_after)
        session.rate_limited = delay
        return PublishOutcome(vid, OutcomeKind.retry, f"rate limited: {error}", delay, False)
    if isinstance(error, AuthExpired):
        session.needs_reconnect = str(error) or "the token was refused"
        return PublishOutcome(vid, OutcomeKind.failed, _reconnect_message(session.needs_reconnect))
    if isinstance(error, Rejected):
        return PublishOutcome(vid, OutcomeKind.failed, f"the network refused it: {error.reason}")
    assert isinstance(error, Transient | NetworkError)
    if task.attempt >= task.max_attempts:
        return PublishOutcome(
            vid, OutcomeKind.failed, f"gave up after {task.attempt} attempts: {error}"
        )
    return PublishOutcome(
        vid, OutcomeKind.retry, f"temporary failure: {error}", policy.backoff(task.attempt)
    )


def _reconnect_message(reason: str) -> str:
    return f"the account needs reconnecting ({reason}); reconnect it, then re-schedule"


# --- step 3: record every result in one transaction ---

_PUBLISHED_COLUMNS = (
    "status",
    "published_at",
    "network_post_id",
    "network_url",
    "error",
    "updated_at",
)


def _record(ctx: Context, claimed: Sequence[_Claimed], results: dict[int, PublishOutcome]) -> None:
    now = ctx.now()
    published: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    retry: list[dict[str, Any]] = []
    unconfirmed: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    base = {"before": {"status": "publishing"}}
    for item in claimed:
        v, out = item.variant, results[item.variant.id]
        if out.kind == OutcomeKind.published:
            assert out.result is not None
            res = out.result
            published.append(
                {
                    "id": v.id,
                    "status": "published",
                    "published_at": res.published_at or now,
                    "network_post_id": res.network_post_id,
                    "network_url": res.url,
                    "error": None,
                    "updated_at": now,
                }
            )
            after: dict[str, Any] = {"status": "published", "network_post_id": res.network_post_id}
        elif out.kind == OutcomeKind.failed:
            failed.append({"id": v.id, "status": "failed", "error": out.message, "updated_at": now})
            after = {"status": "failed", "error": out.message}
        elif out.kind == OutcomeKind.retry:
            retry.append(
                {"id": v.id, "status": "scheduled", "error": out.message, "updated_at": now}
            )
            after = {"status": "scheduled", "error": out.message, "retry_in": round(out.delay, 1)}
        else:
            unconfirmed.append(
                {"id": v.id, "status": "unconfirmed", "error": out.message, "updated_at": now}
            )
            after = {"status": "unconfirmed", "error": out.message}
        events.append(variant_event(v, f"variant.{after['status']}", now, base["before"], after))
    with ctx.store.transaction(write_lock=True) as conn:
        columns = (
            "status",
            "published_at",
            "network_post_id",
            "network_url",
            "error",
            "updated_at",
        )
        repo.move_variants(conn, published, expect_status=VariantStatus.publishing, columns=columns)
        for rows in (failed, retry, unconfirmed):
            repo.move_variants(
                conn,
                rows,
                expect_status=VariantStatus.publishing,
                columns=("status", "error", "updated_at"),
            )
        for row in unconfirmed:
            _ensure_reconcile(conn, row["id"], now + timedelta(seconds=RECONCILE_DELAY), now)
        repo.append_variant_events(conn, events)
        enqueue_variant_notifications(conn, events, now)
