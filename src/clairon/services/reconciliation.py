"""Settle an ``unconfirmed`` variant by asking the network whether the post exists.

* found → ``published`` with the network's id and URL;
* proved absent → back to ``scheduled`` and its publish job re-armed (safe to send again);
* the network cannot say now → try again later (the variant stays ``unconfirmed``);
* the connector cannot reconcile at all → stays ``unconfirmed`` with a message asking a person
  to check (Clairon never guesses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from clairon.domain import VariantStatus
from clairon.errors import NetworkError
from clairon.networks.base import Capability
from clairon.services.accounts import build_connector
from clairon.services.context import Context
from clairon.services.publishing import (
    ConnectorFactory,
    publish_request,
    variant_event,
    variant_media,
)
from clairon.services.scheduling import PUBLISH_JOB, publish_job_key
from clairon.store import accounts as account_repo
from clairon.store import jobs as job_repo
from clairon.store import posts as repo

__all__ = ["ReconcileOutcome", "ReconcileResult", "reconcile_variant"]

LOOKBACK = timedelta(minutes=10)  # how far before the publish attempt to search


class ReconcileOutcome(StrEnum):
    published = "published"  # found on the network
    rescheduled = "rescheduled"  # proved absent: will be sent again
    later = "later"  # the network could not answer now
    manual = "manual"  # this network cannot be asked: a person must check
    settled = "settled"  # nothing to do (not unconfirmed any more)


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    outcome: ReconcileOutcome
    message: str = ""


def reconcile_variant(
    ctx: Context, variant_id: int, *, connector_factory: ConnectorFactory = build_connector
) -> ReconcileResult:
    with ctx.store.transaction() as conn:
        v = repo.get_variant(conn, variant_id)
        if v is None or v.status != VariantStatus.unconfirmed:
            return ReconcileResult(ReconcileOutcome.settled)
        account = account_repo.get_account(conn, v.account_id)
        media = variant_media(conn, v)
    if account is None:
        return ReconcileResult(ReconcileOutcome.settled, "the account was removed")
    request = publish_request(v, media)
    moments = [m for m in (v.scheduled_at, v.updated_at) if m is not None]
    since = (min(moments) if moments else ctx.now()) - LOOKBACK
    connector = connector_factory(ctx, account)
    try:
        if Capability.reconcile not in connector.capabilities:
            return _needs_a_person(ctx, v.id)
        try:
            found = connector.find_published(request, since)
        except NetworkError as exc:
            return ReconcileResult(ReconcileOutcome.later, f"the network could not say: {exc}")
    finally:
        connector.close()
    now = ctx.now()
    with ctx.store.transaction(write_lock=True) as conn:
        if found is not None:
            changed = repo.update_variant(
                conn,
                v.id,
                expect_status=VariantStatus.unconfirmed,
                status=VariantStatus.published.value,
                published_at=found.published_at or now,
                network_post_id=found.network_post_id,
                network_url=found.url,
                error=None,
                updated_at=now,
            )
            after = {"status": "published", "network_post_id": found.network_post_id}
            outcome = ReconcileOutcome.published
        else:
            job = job_repo.job_by_key(conn, publish_job_key(v.id))
            if job is not None and job["status"] == "running":
                # Its publish job has not finished settling: re-arming it now could be lost.
                return ReconcileResult(ReconcileOutcome.later, "the publish job is still running")
            changed = repo.update_variant(
                conn,
                v.id,
                expect_status=VariantStatus.unconfirmed,
                status=VariantStatus.scheduled.value,
                error=None,
                updated_at=now,
            )
            if changed:
                job_repo.enqueue_job(
                    conn,
                    PUBLISH_JOB,
                    {"variant_id": v.id},
                    run_at=now,
                    now=now,
                    dedupe_key=publish_job_key(v.id),
                    max_attempts=ctx.settings.worker_max_attempts,
                )
            after = {"status": "scheduled", "reason": "not found on the network"}
            outcome = ReconcileOutcome.rescheduled
        if not changed:
            return ReconcileResult(ReconcileOutcome.settled)
        repo.append_variant_events(
            conn, [variant_event(v, "variant.reconciled", now, {"status": "unconfirmed"}, after)]
        )
    return ReconcileResult(outcome)


def _needs_a_person(ctx: Context, variant_id: int) -> ReconcileResult:
    message = (
        "this network cannot be asked whether the post went out: check the account, then "
        "mark the post published or re-schedule it"
    )
    with ctx.store.transaction(write_lock=True) as conn:
        v = repo.get_variant(conn, variant_id)
        if v is None or v.status != VariantStatus.unconfirmed:
            return ReconcileResult(ReconcileOutcome.settled)
        repo.update_variant(
            conn, v.id, expect_status=VariantStatus.unconfirmed, error=message, updated_at=ctx.now()
        )
        repo.append_variant_events(
            conn,
            [variant_event(v, "variant.needs_check", ctx.now(), after={"error": message})],
        )
    return ReconcileResult(ReconcileOutcome.manual, message)
