"""Connectors kept between batches by a long-running worker, one per account.

Building a connector reads and decrypts the account's credentials (a query) and, for some
networks, fetches the instance's limits: done once per batch per account it dominates a busy
worker. A cached connector is reused only while the account's stored credentials are the
same (the caller passes a fingerprint of the encrypted blob, read in the batch's own
transaction), so a refresh or a reconnect is picked up by the very next batch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from clairon.domain import SocialAccount
from clairon.networks.base import Connector
from clairon.services.context import Context

__all__ = ["ConnectorCache"]


class ConnectorCache:
    def __init__(
        self,
        factory: Callable[[Context, SocialAccount], Connector],
        *,
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.factory = factory
        self.ttl = ttl_seconds
        self.clock = clock
        self._items: dict[int, tuple[str, float, Connector]] = {}
        self._lock = threading.Lock()

    def get(self, ctx: Context, account: SocialAccount, fingerprint: str) -> Connector:
        """The account's connector, built anew if its credentials changed or it is old."""
        now = self.clock()
        with self._lock:
            hit = self._items.get(account.id)
            if hit is not None and hit[0] == fingerprint and now - hit[1] < self.ttl:
                return hit[2]
        connector = self.factory(ctx, account)
        with self._lock:
            old = self._items.pop(account.id, None)
            self._items[account.id] = (fingerprint, now, connector)
        if old is not None:
            old[2].close()
        return connector

    def forget(self, account_id: int) -> None:
        with self._lock:
            old = self._items.pop(account_id, None)
        if old is not None:
            old[2].close()

    def close(self) -> None:
        with self._lock:
            items, self._items = list(self._items.values()), {}
        for _, _, connector in items:
            connector.close()

    def __len__(self) -> int:
        return len(self._items)
