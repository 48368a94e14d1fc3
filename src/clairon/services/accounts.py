"""Social accounts: connect, credentials (encrypted at rest), connectors, reconnect state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clairon.domain import AccountStatus, Action, SocialAccount
from clairon.errors import ConfigError, NotFound, Problem, ValidationFailed
from clairon.networks.base import AccountContext, Connector
from clairon.networks.registry import connector_class, known_networks
from clairon.services.context import SYSTEM, Actor, Context, audit, authorize
from clairon.services.notifications import enqueue_notification
from clairon.store import accounts as repo

__all__ = [
    "account_context",
    "build_connector",
    "connect_account",
    "get_account",
    "list_accounts",
    "mark_reconnect_needed",
    "rotate_encryption",
    "store_refreshed_credentials",
]


def connect_account(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    network: str,
    handle: str,
    *,
    credentials: dict[str, str] | None = None,
    display_name: str = "",
    token_expires_at: datetime | None = None,
    settings: dict[str, Any] | None = None,
) -> SocialAccount:
    """Connect (or reconnect) an account. On reconnect, new credentials are merged over the
    stored ones, so a network that does not send a new refresh token never wipes the old one."""
    problems: list[Problem] = []
    if network not in known_networks():
        problems.append(
            Problem(
                "network", f"unknown network '{network}' (known: {', '.join(known_networks())})"
            )
        )
    if not handle.strip():
        problems.append(Problem("handle", "must not be empty"))
    if problems:
        raise ValidationFailed(problems)
    with ctx.store.transaction(write_lock=True) as conn:
        authorize(conn, actor, workspace_id, Action.manage)
        existing = repo.find_account(conn, workspace_id, network, handle.strip())
        merged: dict[str, str] = {}
        if existing is not None:
            old = repo.encrypted_credentials(conn, existing.id)
            if old is not None:
                merged = ctx.cipher.decrypt(old)
        merged.update({k: v for k, v in (credentials or {}).items() if v})
        values: dict[str, Any] = {
            "display_name": display_name or handle.strip(),
            "status": AccountStatus.active.value,
            "credentials": ctx.cipher.encrypt(merged) if merged else None,
            "token_expires_at": token_expires_at,
        }
        if existing is None:
            account = repo.insert_account(
                conn,
                workspace_id=workspace_id,
                network=network,
                handle=handle.strip(),
                settings=settings or {},
                created_at=ctx.now(),
                **values,
            )
            action = "account.connect"
        else:
            if settings:
                values["settings"] = {**existing.settings, **settings}
            repo.update_account(conn, existing.id, **values)
            account = repo.get_account(conn, existing.id)  # type: ignore[assignment]
            action = "account.reconnect"
        audit(
            conn,
            ctx,
            actor,
            workspace_id,
            action,
            "account",
            account.id,
            after={
                "network": network,
                "handle": account.handle,
                "credential_fields": sorted(merged),
            },
        )
    return account


def get_account(ctx: Context, actor: Actor, account_id: int) -> SocialAccount:
    with ctx.store.transaction() as conn:
        account = repo.get_account(conn, account_id)
        if account is None:
            raise NotFound(f"account {account_id} not found")
        authorize(conn, actor, account.workspace_id, Action.read)
    return account


def list_accounts(ctx: Context, actor: Actor, workspace_id: int) -> list[SocialAccount]:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        return repo.list_accounts(conn, workspace_id)


def account_context(ctx: Context, account: SocialAccount) -> AccountContext:
    with ctx.store.transaction() as conn:
        token = repo.encrypted_credentials(conn, account.id)
    credentials = ctx.cipher.decrypt(token) if token is not None else {}
    base_url = account.settings.get("base_url") or ctx.settings.network_base_urls.get(
        account.network
    )
    return AccountContext(
        account_id=account.id,
        handle=account.handle,
        credentials=credentials,
        settings=dict(account.settings),
        base_url=base_url,
        data_dir=ctx.settings.data_dir,
    )


def build_connector(ctx: Context, account: SocialAccount) -> Connector:
    cls = connector_class(account.network)
    http = ctx.http_factory() if ctx.http_factory is not None else ctx.shared_http()
    return cls(
        account_context(ctx, account),
        http=http,
        timeout=ctx.settings.http_timeout_seconds,
        app_credentials=ctx.settings.network_app_credentials.get(account.network, {}),
    )


def store_refreshed_credentials(
    ctx: Context, account_id: int, credentials: dict[str, str], expires_at: datetime | None
) -> None:
    """Merge refreshed tokens over the stored ones (never drop the refresh token)."""
    with ctx.store.transaction(write_lock=True) as conn:
        account = repo.get_account(conn, account_id)
        if account is None:
            raise NotFound(f"account {account_id} not found")
        old = repo.encrypted_credentials(conn, account_id)
        merged = ctx.cipher.decrypt(old) if old else {}
        merged.update({k: v for k, v in credentials.items() if v})
        repo.update_account(
            conn,
            account_id,
            credentials=ctx.cipher.encrypt(merged),
            token_expires_at=expires_at,
            status=AccountStatus.active.value,
        )
        audit(
            conn,
            ctx,
            SYSTEM,
            account.workspace_id,
            "account.refresh",
            "account",
            account_id,
            after={"expires_at": expires_at},
        )


def mark_reconnect_needed(ctx: Context, account_id: int, reason: str) -> None:
    with ctx.store.transaction() as conn:
        account = repo.get_account(conn, account_id)
        if account is None or account.status == AccountStatus.reconnect_needed:
            return
        repo.update_account(conn, account_id, status=AccountStatus.reconnect_needed.value)
        audit(
            conn,
            ctx,
            SYSTEM,
            account.workspace_id,
            "account.reconnect_needed",
            "account",
            account_id,
            before={"status": account.status},
            after={"reason": reason},
        )
        enqueue_notification(
            conn,
            account.workspace_id,
            "account.reconnect_needed",
            {"account_id": account_id, "reason": reason},
            ctx.now(),
        )


def rotate_encryption(ctx: Context) -> int:
    """Re-encrypt every stored credential with the newest key; returns how many."""
    if not ctx.settings.encryption_key_list:
        raise ConfigError("no encryption key configured")
    count = 0
    with ctx.store.transaction(write_lock=True) as conn:
        for account_id, token in repo.all_encrypted_credentials(conn):
            repo.update_account(conn, account_id, credentials=ctx.cipher.rotate(token))
            count += 1
        audit(conn, ctx, SYSTEM, None, "keys.rotate", "accounts", "*", after={"count": count})
    return count
