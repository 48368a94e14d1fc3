"""Live text counters: how long a text is by each account's network rule, and its limit.

The count comes from the account's connector (``limits().count``), so the composer shows
exactly what the network will count (URLs, emoji, graphemes...) without a second copy of the
rules in JavaScript. Limits are cached briefly per account: a connector may ask its server
(e.g. an instance's configured length) and the composer calls this on every keystroke pause.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from clairon.domain import Action, SocialAccount
from clairon.networks.base import Limits
from clairon.services.accounts import build_connector
from clairon.services.context import Actor, Context, authorize
from clairon.store import accounts as account_repo

__all__ = ["TextCount", "count_text"]

_CACHE_SECONDS = 60.0
_CACHE_KEY = "counters.limits"
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class TextCount:
    """One account's verdict on a text: ``length`` of ``max_length`` in the network's unit."""

    account_id: int
    network: str
    handle: str
    length: int
    max_length: int
    unit: str

    @property
    def over(self) -> bool:
        return self.length > self.max_length

    @property
    def remaining(self) -> int:
        return self.max_length - self.length


def _limits(ctx: Context, account: SocialAccount) -> Limits:
    key = account.id
    now = time.monotonic()
    with _lock:
        cache = ctx.extras.setdefault(_CACHE_KEY, {})
        assert isinstance(cache, dict)
        hit = cache.get(key)
        if hit is not None and now - hit[0] < _CACHE_SECONDS:
            cached: Limits = hit[1]
            return cached
    connector = build_connector(ctx, account)
    try:
        limits = connector.limits()
    finally:
        connector.close()
    with _lock:
        cache[key] = (now, limits)
    return limits


def count_text(
    ctx: Context, actor: Actor, workspace_id: int, account_ids: Sequence[int], text: str
) -> list[TextCount]:
    """The text's length for each of the workspace's accounts in ``account_ids`` (unknown or
    foreign ids are ignored: this is a preview, the post's creation validates for real)."""
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        accounts = [
            a for a in account_repo.list_accounts(conn, workspace_id) if a.id in account_ids
        ]
    out: list[TextCount] = []
    for account in accounts:
        limits = _limits(ctx, account)
        out.append(
            TextCount(
                account_id=account.id,
                network=account.network,
                handle=account.handle,
                length=limits.count(text),
                max_length=limits.max_length,
                unit=limits.length_unit,
            )
        )
    return out
