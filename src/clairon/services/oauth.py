"""Connecting an account with OAuth 2 (+ PKCE): start (authorisation URL) and complete (code
exchange). The pending state is an encrypted, expiring token, so no table is needed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from clairon.domain import Action, SocialAccount
from clairon.errors import ConfigError, NotFound, ValidationFailed
from clairon.networks.base import AccountContext
from clairon.networks.oauth import authorization_url, exchange_code, make_pkce
from clairon.networks.registry import connector_class
from clairon.services.accounts import connect_account
from clairon.services.context import Actor, Context, authorize

__all__ = ["ConnectStart", "complete_connect", "start_connect"]

STATE_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class ConnectStart:
    url: str
    state: str


def _app_credentials(ctx: Context, network: str) -> dict[str, str]:
    creds = ctx.settings.network_app_credentials.get(network, {})
    if not creds.get("client_id"):
        raise ConfigError(
            f"no app credentials for {network}: set CLAIRON_NETWORK_APP_CREDENTIALS to "
            f'{{"{network}": {{"client_id": "...", "client_secret": "..."}}}} '
            f"(see docs/networks/{network}.md)"
        )
    return creds


def start_connect(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    network: str,
    redirect_uri: str,
    *,
    base_url: str | None = None,
) -> ConnectStart:
    cls = connector_class(network)
    if cls.oauth is None:
        raise ValidationFailed(
            f"{network} does not connect with OAuth; add the account with "
            "its token instead (clairon account add)",
            "network",
        )
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.manage)
    app = _app_credentials(ctx, network)
    verifier, challenge = make_pkce()
    payload = {
        "ws": str(workspace_id),
        "network": network,
        "verifier": verifier,
        "user": str(actor.user_id or ""),
        "redirect_uri": redirect_uri,
        "exp": (ctx.now() + STATE_TTL).isoformat(),
        "nonce": secrets.token_urlsafe(8),
        "base_url": base_url or "",
    }
    state = ctx.cipher.encrypt(payload).decode("ascii")
    config = cls.oauth
    if base_url:  # self-hosted networks: the endpoints live on the instance
        config = _rebased(config, base_url)
    url = authorization_url(
        config,
        client_id=app["client_id"],
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=challenge if config.pkce else None,
    )
    return ConnectStart(url=url, state=state)


def _rebased(config: Any, base_url: str) -> Any:
    from dataclasses import replace
    from urllib.parse import urljoin

    return replace(
        config,
        authorize_url=urljoin(base_url, config.authorize_url),
        token_url=urljoin(base_url, config.token_url),
    )


def complete_connect(
    ctx: Context, actor: Actor, state: str, code: str, *, http: httpx.Client | None = None
) -> SocialAccount:
    """Exchange the code, ask the network who the account is, store encrypted tokens."""
    try:
        payload = ctx.cipher.decrypt(state.encode("ascii"))
    except (ConfigError, UnicodeEncodeError):
        raise ValidationFailed("unknown or tampered OAuth state; start again", "state") from None
    if datetime.fromisoformat(payload["exp"]) < ctx.now():
        raise ValidationFailed("the connection took too long (15 min); start again", "state")
    if payload["user"] != str(actor.user_id or ""):
        raise NotFound("no pending connection for you")
    network, workspace_id = payload["network"], int(payload["ws"])
    cls = connector_class(network)
    assert cls.oauth is not None
    config = _rebased(cls.oauth, payload["base_url"]) if payload["base_url"] else cls.oauth
    app = _app_credentials(ctx, network)
    client = http or (ctx.http_factory() if ctx.http_factory else httpx.Client(timeout=20))
    try:
        tokens = exchange_code(
            client,
            config,
            client_id=app["client_id"],
            client_secret=app.get("client_secret", ""),
            code=code,
            redirect_uri=payload["redirect_uri"],
            code_verifier=payload["verifier"],
            now=ctx.now(),
        )
        probe = cls(
            AccountContext(
                account_id=0,
                handle="",
                credentials=tokens.as_credentials(),
                base_url=payload["base_url"] or None,
                data_dir=ctx.settings.data_dir,
            ),
            http=client,
            app_credentials=app,
        )
        handle, display_name = probe.whoami()
    finally:
        if http is None and ctx.http_factory is None:
            client.close()
    settings = {"base_url": payload["base_url"]} if payload["base_url"] else None
    return connect_account(
        ctx,
        actor,
        workspace_id,
        network,
        handle,
        credentials=tokens.as_credentials(),
        display_name=display_name,
        token_expires_at=tokens.expires_at,
        settings=settings,
    )
