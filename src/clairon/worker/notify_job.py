"""The ``notify`` job: deliver one failure notification to the workspace's webhook.

=========  =======  ================================================================  =========
job        version  payload                                                           re-runs
=========  =======  ================================================================  =========
``notify`` 1        ``{"id", "workspace_id", "event", "occurred_at", "data": {...}}``  on error
=========  =======  ================================================================  =========

Queued by the use cases in the transaction that records a failure
(:func:`clairon.services.notifications.enqueue_notification`), so a receiver that is down never
slows or breaks publishing. Errors are typed: the worker's retry policy backs off on
``Transient``/``RateLimited`` and gives up on ``Rejected`` (the receiver answered 4xx).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from clairon.services import notifications
from clairon.services.context import Context
from clairon.worker.registry import JobRun, Payload, Retry, job

__all__ = ["NOTIFY", "NotifyPayload", "notify"]

NOTIFY = notifications.NOTIFY_JOB


class NotifyPayload(Payload):
    id: str = Field(min_length=1, max_length=64)
    workspace_id: int = Field(gt=0)
    event: str = Field(min_length=1, max_length=64)
    occurred_at: str
    data: dict[str, Any] = Field(default_factory=dict)


@job(NOTIFY, version=1, payload=NotifyPayload)
def notify(ctx: Context, payload: NotifyPayload, run: JobRun) -> Retry | None:
    notifications.deliver(
        ctx,
        delivery_id=payload.id,
        workspace_id=payload.workspace_id,
        event=payload.event,
        occurred_at=payload.occurred_at,
        data=payload.data,
        attempt=run.attempt,
    )
    return None
