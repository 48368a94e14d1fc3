"""The retry policy: backoff bounds and jitter, rate limits honoured, one verdict per error."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from clairon.errors import (
    AuthExpired,
    NotFound,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from clairon.worker.retry import RetryPolicy, Verdict

policies = st.builds(
    RetryPolicy,
    base=st.floats(0.1, 30),
    factor=st.floats(1.0, 4.0),
    cap=st.floats(1.0, 7200),
    jitter=st.floats(0.0, 1.0),
)


@given(policies, st.integers(1, 200), st.integers(0, 2**32 - 1))
def test_backoff_stays_within_jitter_band_and_cap(
    policy: RetryPolicy, attempt: int, seed: int
) -> None:
    delay = policy.backoff(attempt, random.Random(seed))
    ceiling = min(policy.cap, policy.base * policy.factor ** min(attempt - 1, 64))
    assert (1 - policy.jitter) * ceiling - 1e-9 <= delay <= ceiling + 1e-9
    assert delay <= policy.cap + 1e-9


@given(st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_backoff_ceiling_grows_until_the_cap(attempt: int, seed: int) -> None:
    policy = RetryPolicy(jitter=0.0)
    rng = random.Random(seed)
    assert policy.backoff(attempt + 1, rng) >= policy.backoff(attempt, rng)


def test_jitter_spreads_retries() -> None:
    policy = RetryPolicy()
    rng = random.Random(7)
    delays = {round(policy.backoff(5, rng), 3) for _ in range(50)}
    assert len(delays) > 40


@given(st.floats(0, 3600), st.integers(0, 2**32 - 1))
def test_rate_limit_waits_at_least_retry_after(retry_after: float, seed: int) -> None:
    policy = RetryPolicy()
    delay = policy.rate_limited(retry_after, random.Random(seed))
    floor = max(retry_after, policy.min_rate_limit_delay)
    assert floor <= delay <= floor * (1 + policy.rate_limit_jitter) + 1e-9


@given(st.integers(1, 20), st.integers(1, 20))
def test_one_verdict_per_error_class(attempt: int, max_attempts: int) -> None:
    policy = RetryPolicy()
    decide = policy.decide
    assert decide(UnknownOutcome("?"), attempt, max_attempts).verdict == Verdict.unconfirmed
    assert decide(Rejected("no"), attempt, max_attempts).verdict == Verdict.give_up
    assert decide(AuthExpired("401"), attempt, max_attempts).verdict == Verdict.refresh
    refreshed = decide(AuthExpired("401"), attempt, max_attempts, refreshed=True)
    assert refreshed.verdict == Verdict.give_up
    limited = decide(RateLimited("429", retry_after=30), attempt, max_attempts)
    assert limited.verdict == Verdict.retry and limited.delay >= 30 and not limited.counts
    transient = decide(Transient("503"), attempt, max_attempts)
    expected = Verdict.give_up if attempt >= max_attempts else Verdict.retry
    assert transient.verdict == expected
    assert decide(NotFound("gone"), attempt, max_attempts).verdict == Verdict.give_up
    assert decide(RuntimeError("bug"), attempt, max_attempts).verdict == expected
