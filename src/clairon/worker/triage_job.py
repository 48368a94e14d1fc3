"""The ``triage_inbox`` job: label new inbox items in batches (fast path, then the second stage
on the items it is unsure about).

================  =======  ====================================  =========
job               version  payload                               re-runs
================  =======  ====================================  =========
``triage_inbox``  1        ``{"batch": 500, "every_seconds": 30}``  periodic
================  =======  ====================================  =========
"""

from __future__ import annotations

from pydantic import Field

from clairon.services import triage
from clairon.services.context import Context
from clairon.worker.registry import JobRun, Payload, Retry, job

__all__ = ["TRIAGE_INBOX", "TriageInboxPayload", "triage_inbox"]

TRIAGE_INBOX = "triage_inbox"


class TriageInboxPayload(Payload):
    batch: int = Field(500, gt=0, le=5000)
    every_seconds: float | None = Field(30.0, gt=0)


@job(TRIAGE_INBOX, version=1, payload=TriageInboxPayload)
def triage_inbox(ctx: Context, payload: TriageInboxPayload, run: JobRun) -> Retry | None:
    summary = triage.triage_pending(ctx, limit=payload.batch)
    if summary.labelled >= payload.batch:
        return Retry(0.0, "more items waiting", counts=False)
    if payload.every_seconds is None:
        return None
    return Retry(payload.every_seconds, "periodic", counts=False)
