"""Background jobs: a registry of plain functions with versioned payloads, a retry policy per
error type, and the in-process runner on the store (the embedded default engine).

Imports are lazy so that services may use :mod:`clairon.worker.retry` without a cycle.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clairon.worker.jobs import (
        POLL_COMMENTS,
        PUBLISH_VARIANT,
        RECONCILE_VARIANT,
        REFRESH_TOKENS,
        PollCommentsPayload,
        RefreshTokensPayload,
        VariantPayload,
    )
    from clairon.worker.registry import JobRegistry, JobRun, Payload, Retry, default_registry, job
    from clairon.worker.retry import Decision, RetryPolicy, Verdict
    from clairon.worker.runner import Runner, RunnerStats, start_background_worker

__all__ = [
    "POLL_COMMENTS",
    "PUBLISH_VARIANT",
    "RECONCILE_VARIANT",
    "REFRESH_TOKENS",
    "Decision",
    "JobRegistry",
    "JobRun",
    "Payload",
    "PollCommentsPayload",
    "RefreshTokensPayload",
    "Retry",
    "RetryPolicy",
    "Runner",
    "RunnerStats",
    "VariantPayload",
    "Verdict",
    "default_registry",
    "job",
    "start_background_worker",
]

_WHERE = {
    **dict.fromkeys(
        [
            "POLL_COMMENTS",
            "PUBLISH_VARIANT",
            "RECONCILE_VARIANT",
            "REFRESH_TOKENS",
            "PollCommentsPayload",
            "RefreshTokensPayload",
            "VariantPayload",
        ],
        "clairon.worker.jobs",
    ),
    **dict.fromkeys(
        ["JobRegistry", "JobRun", "Payload", "Retry", "default_registry", "job"],
        "clairon.worker.registry",
    ),
    **dict.fromkeys(["Decision", "RetryPolicy", "Verdict"], "clairon.worker.retry"),
    **dict.fromkeys(["Runner", "RunnerStats", "start_background_worker"], "clairon.worker.runner"),
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'clairon.worker' has no attribute {name!r}")
