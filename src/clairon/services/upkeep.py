"""Periodic upkeep the worker runs: refresh tokens before they expire, poll comments.

Generic code: it asks each connector for a capability, never names a network.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from clairon.domain import AccountStatus, Variant
from clairon.errors import AuthExpired, NetworkError, Rejected
from clairon.networks.base import Capability
from clairon.services.accounts import (
    build_connector,
    mark_reconnect_needed,
    store_refreshed_credentials,
)
from clairon.services.context import Context
from clairon.services.inbox import ingest_comments
from clairon.services.publishing import ConnectorFactory
from clairon.store import accounts as account_repo
from clairon.store import posts as repo

__all__ = ["UpkeepReport", "poll_published_comments", "refresh_expiring_tokens"]

log = logging.getLogger(__name__)


@dataclass
class UpkeepReport:
    done: int = 0  # accounts refreshed / comments ingested
    failed: int = 0  # accounts marked reconnect_needed / accounts that could not be read
    postponed: int = 0  # temporary errors: next run


def refresh_expiring_tokens(
    ctx: Context,
    *,
    within: timedelta = timedelta(hours=1),
    connector_factory: ConnectorFactory = build_connector,
) -> UpkeepReport:
    """Refresh every token expiring within ``within``. A refusal marks the account
    ``reconnect_needed``; the stored refresh token is never wiped (new credentials are merged)."""
    report = UpkeepReport()
    with ctx.store.transaction() as conn:
        due = account_repo.accounts_expiring_before(conn, ctx.now() + within)
    for account in due:
        if account.status != AccountStatus.active:
            continue
        connector = connector_factory(ctx, account)
        try:
            if Capability.refresh_token not in connector.capabilities:
                continue
            credentials = connector.refresh_token()
        except (AuthExpired, Rejected) as exc:
            mark_reconnect_needed(ctx, account.id, f"token refresh refused: {exc}")
            report.failed += 1
            continue
        except NetworkError as exc:
            log.warning("token refresh of account %s postponed: %s", account.id, exc)
            report.postponed += 1
            continue
        finally:
            connector.close()
        expires = credentials.pop("expires_at", None)  # a column, not a secret
        store_refreshed_credentials(
            ctx, account.id, credentials, datetime.fromisoformat(expires) if expires else None
        )
        report.done += 1
    return report


def poll_published_comments(
    ctx: Context,
    *,
    days: int = 7,
    page: int = 500,
    connector_factory: ConnectorFactory = build_connector,
) -> UpkeepReport:
    """Fetch new comments on variants published in the last ``days`` into the inbox."""
    report = UpkeepReport()
    since = ctx.now() - timedelta(days=days)
    after_id = 0
    while True:
        with ctx.store.transaction() as conn:
            batch = repo.published_variants_since(conn, since, limit=page, after_id=after_id)
            by_account: dict[int, list[Variant]] = defaultdict(list)
            for v in batch:
                by_account[v.account_id].append(v)
            accounts = {aid: account_repo.get_account(conn, aid) for aid in by_account}
        if not batch:
            return report
        after_id = batch[-1].id
        for aid, variants in by_account.items():
            account = accounts[aid]
            if account is None or account.status != AccountStatus.active:
                continue
            connector = connector_factory(ctx, account)
            try:
                if Capability.read_comments not in connector.capabilities:
                    continue
                for v in variants:
                    assert v.network_post_id is not None
                    comments = connector.fetch_comments(v.network_post_id)
                    if comments:
                        report.done += len(ingest_comments(ctx, aid, comments, variant_id=v.id))
            except NetworkError as exc:
                log.warning("comments of account %s not read now: %s", aid, exc)
                report.failed += 1
            finally:
                connector.close()
