"""Retry policy: what to do after each kind of error, and how long to wait.

=================  ==========================================================
error              decision
=================  ==========================================================
Transient          retry after exponential backoff with jitter, until
                   ``max_attempts``; then give up
RateLimited        retry after ``retry_after`` (never sooner) plus a little
                   jitter, so many workers do not come back in the same second
AuthExpired        refresh the token and retry once (the publishing use case
                   does it); without a refresh, give up (reconnect needed)
Rejected           give up: retrying will not change the network's answer
UnknownOutcome     never retried: the publish is marked unconfirmed and checked
anything else      a bug or a missing object: retry with backoff (it may be a
                   passing database hiccup), give up after ``max_attempts``
=================  ==========================================================
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from clairon.errors import (
    AuthExpired,
    ClaironError,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)

__all__ = ["Decision", "RetryPolicy", "Verdict"]


class Verdict(StrEnum):
    retry = "retry"
    give_up = "give_up"
    unconfirmed = "unconfirmed"
    refresh = "refresh"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    delay: float = 0.0  # seconds, for ``retry``
    counts: bool = True  # does this attempt count against max_attempts?


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff ``base * factor**(attempt-1)``, capped, with "equal jitter": the
    delay is drawn uniformly from ``[(1 - jitter) * d, d]`` so retries spread out but the
    backoff still grows."""

    base: float = 2.0
    factor: float = 2.0
    cap: float = 15 * 60.0
    jitter: float = 0.5
    rate_limit_jitter: float = 0.1  # extra fraction added on top of ``retry_after``
    min_rate_limit_delay: float = 1.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay before the attempt that follows failed attempt number ``attempt`` (1-based)."""
        draw = rng.uniform if rng is not None else random.uniform
        exponent = min(max(attempt, 1) - 1, 64)
        ceiling = min(self.cap, self.base * self.factor**exponent)
        return draw((1.0 - self.jitter) * ceiling, ceiling)

    def rate_limited(self, retry_after: float, rng: random.Random | None = None) -> float:
        draw = rng.uniform if rng is not None else random.uniform
        wait = max(retry_after, self.min_rate_limit_delay)
        return wait + draw(0.0, self.rate_limit_jitter * wait)

    def decide(
        self,
        error: BaseException,
        attempt: int,
        max_attempts: int,
        rng: random.Random | None = None,
        *,
        refreshed: bool = False,
    ) -> Decision:
        """The decision after ``error`` on attempt ``attempt`` of ``max_attempts``."""
        if isinstance(error, UnknownOutcome):
            return Decision(Verdict.unconfirmed)
        if isinstance(error, RateLimited):
            return Decision(Verdict.retry, self.rate_limited(error.retry_after, rng), counts=False)
        if isinstance(error, AuthExpired):
            return Decision(Verdict.give_up if refreshed else Verdict.refresh)
        if isinstance(error, Rejected):
            return Decision(Verdict.give_up)
        if isinstance(error, Transient) or not isinstance(error, ClaironError):
            if attempt >= max_attempts:
                return Decision(Verdict.give_up)
            return Decision(Verdict.retry, self.backoff(attempt, rng))
        # Other Clairon errors (NotFound, ValidationFailed, InvalidTransition...) are final.
        return Decision(Verdict.give_up)


DEFAULT_POLICY = RetryPolicy()
