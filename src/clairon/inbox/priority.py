"""Priority score 0-100: how soon a human should look at a comment.

Points add up from four sources (the weights are product choices, documented in docs/triage.md):

- negativity: up to 35 points (probability of "negative" x 35);
- intent: complaint 25, support request 20, purchase intent 15, question 10;
- audience: up to 20 points, log-scaled on the author's follower count (1M followers = 20);
- waiting time: up to 20 points, linear over the first 24 hours without an answer.

Abuse adds 10 (someone must moderate it) and spam divides the total by three.
"""

from __future__ import annotations

import math

__all__ = ["priority_score"]

_INTENT_POINTS = {
    "complaint": 25.0,
    "support_request": 20.0,
    "purchase_intent": 15.0,
    "question": 10.0,
}


def priority_score(
    *,
    negative_probability: float,
    intent: str,
    offensive: bool = False,
    spam: bool = False,
    followers: int | None = None,
    age_seconds: float | None = None,
) -> int:
    """Integer 0-100; higher means answer sooner."""
    points = 35.0 * min(max(negative_probability, 0.0), 1.0)
    points += _INTENT_POINTS.get(intent, 0.0)
    if followers is not None and followers > 0:
        points += min(20.0, 20.0 * math.log10(followers + 1) / 6.0)
    if age_seconds is not None and age_seconds > 0:
        points += min(20.0, 20.0 * age_seconds / 86_400.0)
    if offensive:
        points += 10.0
    if spam:
        points /= 3.0
    return round(min(max(points, 0.0), 100.0))
