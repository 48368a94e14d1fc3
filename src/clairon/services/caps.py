"""Daily publish caps, checked BEFORE scheduling so the calendar refuses a slot that the
network would refuse later (e.g. a rolling 24-hour limit of API-published posts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

__all__ = ["DAY", "exceeds_rolling_cap"]

DAY = timedelta(hours=24)


def exceeds_rolling_cap(existing: Sequence[datetime], at: datetime, cap: int) -> bool:
    """Would one more post at ``at`` put more than ``cap`` posts in some 24-hour window?"""
    times = sorted([t for t in existing if at - DAY < t < at + DAY] + [at])
    for start in times:
        if start > at:
            break
        if start <= at - DAY:
            continue
        if sum(1 for t in times if start <= t < start + DAY) > cap:
            return True
    return False
