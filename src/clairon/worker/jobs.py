"""The built-in jobs. Each is a plain function of ``(ctx, payload, run)``; any engine that can
call :meth:`JobRegistry.run` (the in-process runner, a Celery or Dramatiq task) can run them.

=====================  =======  ==========================================  ============
job                    version  payload                                     re-runs
=====================  =======  ==========================================  ============
``publish_variant``    1        ``{"variant_id": int}``                     on retry
``reconcile_variant``  1        ``{"variant_id": int}``                     until known
``refresh_tokens``     1        ``{"within_seconds": 3600, "every_seconds": 600}``   periodic
``poll_comments``      1        ``{"days": 7, "every_seconds": 300}``       periodic
=====================  =======  ==========================================  ============

Engine-provided helpers are read from ``ctx.extras`` (``connector_factory``, ``executor``,
``concurrency``, ``connector_cache``), so tests and the runner can inject them without
changing a job's signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from datetime import timedelta

from pydantic import Field

from clairon.services import publishing, reconciliation, upkeep
from clairon.services.accounts import build_connector
from clairon.services.connector_cache import ConnectorCache
from clairon.services.context import Context
from clairon.services.publishing import ConnectorFactory, OutcomeKind, PublishOutcome
from clairon.worker import notify_job  # noqa: F401  (registers the "notify" job)
from clairon.worker.registry import JobRun, Payload, Retry, default_registry, job
from clairon.worker.retry import DEFAULT_POLICY
from clairon.worker.triage_job import TRIAGE_INBOX, TriageInboxPayload

__all__ = [
    "PERIODIC_JOBS",
    "POLL_COMMENTS",
    "PUBLISH_VARIANT",
    "RECONCILE_VARIANT",
    "REFRESH_TOKENS",
    "PollCommentsPayload",
    "RefreshTokensPayload",
    "VariantPayload",
    "connector_factory_of",
]

PUBLISH_VARIANT = "publish_variant"
RECONCILE_VARIANT = publishing.RECONCILE_JOB
REFRESH_TOKENS = "refresh_tokens"
POLL_COMMENTS = "poll_comments"


class VariantPayload(Payload):
    variant_id: int = Field(gt=0)


class RefreshTokensPayload(Payload):
    within_seconds: float = Field(3600.0, gt=0)
    every_seconds: float | None = Field(600.0, gt=0)  # None: run once


class PollCommentsPayload(Payload):
    days: int = Field(7, gt=0)
    every_seconds: float | None = Field(300.0, gt=0)


PERIODIC_JOBS: dict[str, Payload] = {
    REFRESH_TOKENS: RefreshTokensPayload(),
    POLL_COMMENTS: PollCommentsPayload(),
    TRIAGE_INBOX: TriageInboxPayload(),
}
"""Jobs every runner makes sure are queued (one each, by dedupe key ``periodic:<name>``)."""


def connector_factory_of(ctx: Context) -> ConnectorFactory:
    factory = ctx.extras.get("connector_factory")
    return factory if callable(factory) else build_connector


def _as_job_result(outcome: PublishOutcome) -> Retry | None:
    if outcome.kind == OutcomeKind.retry:
        return Retry(outcome.delay, outcome.message, counts=outcome.counts)
    return None  # published, failed, unconfirmed (a reconcile job follows), skipped


@job(PUBLISH_VARIANT, version=1, payload=VariantPayload)
def publish_variant(ctx: Context, payload: VariantPayload, run: JobRun) -> Retry | None:
    outcome = publishing.publish_variant(
        ctx,
        payload.variant_id,
        attempt=run.attempt,
        max_attempts=run.max_attempts,
        connector_factory=connector_factory_of(ctx),
    )
    return _as_job_result(outcome)


@default_registry.register_batch(PUBLISH_VARIANT, version=1)
def publish_variant_batch(
    ctx: Context, items: Sequence[tuple[VariantPayload, JobRun]]
) -> list[Retry | None]:
    """Same behaviour as :func:`publish_variant`, one transaction per step for the batch."""
    executor = ctx.extras.get("executor")
    concurrency = ctx.extras.get("concurrency", 1)
    cache = ctx.extras.get("connector_cache")
    tasks = [publishing.PublishTask(p.variant_id, r.attempt, r.max_attempts) for p, r in items]
    outcomes = publishing.publish_variants(
        ctx,
        tasks,
        connector_factory=connector_factory_of(ctx),
        executor=executor if isinstance(executor, Executor) else None,
        concurrency=concurrency if isinstance(concurrency, int) else 1,
        connectors=cache if isinstance(cache, ConnectorCache) else None,
    )
    return [_as_job_result(o) for o in outcomes]


@job(RECONCILE_VARIANT, version=1, payload=VariantPayload)
def reconcile_variant(ctx: Context, payload: VariantPayload, run: JobRun) -> Retry | None:
    result = reconciliation.reconcile_variant(
        ctx, payload.variant_id, connector_factory=connector_factory_of(ctx)
    )
    if result.outcome == reconciliation.ReconcileOutcome.later:
        return Retry(min(300.0, DEFAULT_POLICY.backoff(run.attempt)), result.message)
    return None


@job(REFRESH_TOKENS, version=1, payload=RefreshTokensPayload)
def refresh_tokens(ctx: Context, payload: RefreshTokensPayload, run: JobRun) -> Retry | None:
    upkeep.refresh_expiring_tokens(
        ctx,
        within=timedelta(seconds=payload.within_seconds),
        connector_factory=connector_factory_of(ctx),
    )
    if payload.every_seconds is None:
        return None
    return Retry(payload.every_seconds, "periodic", counts=False)


@job(POLL_COMMENTS, version=1, payload=PollCommentsPayload)
def poll_comments(ctx: Context, payload: PollCommentsPayload, run: JobRun) -> Retry | None:
    upkeep.poll_published_comments(
        ctx, days=payload.days, connector_factory=connector_factory_of(ctx)
    )
    if payload.every_seconds is None:
        return None
    return Retry(payload.every_seconds, "periodic", counts=False)
