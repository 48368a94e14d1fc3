"""Accounts: the workspace's social accounts and their state, connecting with OAuth 2 (the
authorisation redirect and ``/oauth/callback``), adding a token-based account, and the failure
notifications webhook.

Generic: the "Connect" buttons are the networks whose connector declares ``oauth``; no network
is named here. The base layout shows a banner when an account needs reconnecting
(:func:`accounts_to_reconnect`, a template global).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from clairon.domain import AccountStatus, SocialAccount
from clairon.errors import (
    ClaironError,
    ConfigError,
    NetworkError,
    NotFound,
    Rejected,
    ValidationFailed,
)
from clairon.networks.base import AccountContext, Connector
from clairon.networks.registry import connector_class, known_networks
from clairon.services import accounts, notifications, workspaces
from clairon.services import oauth as oauth_service
from clairon.services.context import Context
from clairon.web.rendering import (
    TEMPLATES,
    CurrentUser,
    Viewer,
    WebRoute,
    context_of,
    flash,
    redirect,
    render,
)

__all__ = ["accounts_to_reconnect", "callback_uri", "router"]

router = APIRouter(route_class=WebRoute)

CALLBACK_PATH = "/oauth/callback"


@dataclass(frozen=True)
class NetworkChoice:
    network: str
    name: str
    ready: bool  # app credentials are configured


def callback_uri(ctx: Context) -> str:
    """The redirect URI to register in each network's developer console."""
    return ctx.settings.base_url.rstrip("/") + CALLBACK_PATH


def _connector(network: str) -> type[Connector] | None:
    try:
        return connector_class(network)
    except NotFound:
        return None


def _choices(ctx: Context) -> tuple[list[NetworkChoice], list[NetworkChoice]]:
    """(networks connected with OAuth, networks added with a token)."""
    with_oauth: list[NetworkChoice] = []
    with_token: list[NetworkChoice] = []
    for network in known_networks():
        cls = connector_class(network)
        name = cls.display_name or network
        if cls.oauth is not None:
            ready = bool(ctx.settings.network_app_credentials.get(network, {}).get("client_id"))
            with_oauth.append(NetworkChoice(network, name, ready))
        else:
            with_token.append(NetworkChoice(network, name, True))
    return with_oauth, with_token


def accounts_to_reconnect(request: Request, me: Viewer | None, workspace_id: int) -> list[str]:
    """Template global: ``network · handle`` of the workspace's accounts that need
    reconnecting (empty when there are none or the page has no workspace)."""
    if me is None:
        return []
    try:
        found = accounts.list_accounts(context_of(request), me.actor, workspace_id)
    except ClaironError:
        return []
    stale = [a for a in found if a.status == AccountStatus.reconnect_needed]
    return [f"{a.network} · {a.handle}" for a in stale]


TEMPLATES.env.globals["accounts_to_reconnect"] = accounts_to_reconnect


@router.get("/w/{workspace_id}/accounts")
def accounts_page(request: Request, me: CurrentUser, workspace_id: int) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    found = accounts.list_accounts(ctx, me.actor, ws.id)
    can_manage = me.can(ws.id, "manage")
    with_oauth, with_token = _choices(ctx)
    capabilities: dict[str, list[str]] = {}
    for a in found:
        cls = _connector(a.network)
        capabilities[a.network] = sorted(cls.capabilities) if cls else []
    webhook = notifications.notification_webhook(ctx, me.actor, ws.id) if can_manage else None
    return render(
        request,
        "accounts.html",
        me=me,
        workspace=ws,
        accounts=found,
        capabilities=capabilities,
        oauth_networks={c.network for c in with_oauth},
        with_oauth=with_oauth,
        with_token=with_token,
        can_manage=can_manage,
        callback=callback_uri(ctx),
        webhook_url=webhook.url if webhook else "",
        recent=notifications.recent_notifications(ctx, me.actor, ws.id, limit=10),
    )


@router.get("/w/{workspace_id}/accounts/connect/{network}")
def connect(request: Request, me: CurrentUser, workspace_id: int, network: str) -> Response:
    """Start OAuth: send the browser to the network's authorisation page."""
    ctx = context_of(request)
    try:
        start = oauth_service.start_connect(ctx, me.actor, workspace_id, network, callback_uri(ctx))
    except ConfigError as exc:
        flash(request, f"Cannot connect {network} yet: {exc}", "error")
        return redirect(request, f"/w/{workspace_id}/accounts")
    return RedirectResponse(start.url, status_code=303)


def _failure(request: Request, me: Viewer, status: int, title: str, detail: str) -> Response:
    remembered = request.session.get("workspace_id")
    back = f"/w/{remembered}/accounts" if isinstance(remembered, int) else "/"
    return render(
        request,
        "accounts_error.html",
        me=me,
        status_code=status,
        title=title,
        detail=detail,
        back=back,
    )


@router.get(CALLBACK_PATH)
def oauth_callback(
    request: Request,
    me: CurrentUser,
    code: Annotated[str, Query(max_length=4096)] = "",
    state: Annotated[str, Query(max_length=8192)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
    error_description: Annotated[str, Query(max_length=1000)] = "",
) -> Response:
    """Where the network sends the browser back: complete the connection, or explain why not."""
    if error:
        if error == "access_denied":
            return _failure(
                request,
                me,
                400,
                "Connection cancelled",
                "You (or the network) declined the authorisation, so nothing was connected. "
                "You can try again from the accounts page.",
            )
        detail = f"The network refused the connection ({error})"
        if error_description:
            detail += f": {error_description}"
        return _failure(request, me, 400, "Connection refused", detail + ".")
    if not code or not state:
        return _failure(
            request,
            me,
            400,
            "Incomplete answer",
            "The network came back without an authorisation code. Start the connection again.",
        )
    ctx = context_of(request)
    try:
        account = oauth_service.complete_connect(ctx, me.actor, state, code)
    except ValidationFailed as exc:
        return _failure(request, me, 400, "Connection link expired or invalid", str(exc))
    except Rejected as exc:
        return _failure(request, me, 502, "The network refused the connection", str(exc))
    except NetworkError as exc:
        return _failure(
            request,
            me,
            502,
            "The network did not answer",
            f"{exc}. Nothing was connected; try again in a moment.",
        )
    flash(request, f"Connected {account.network} account {account.handle}.", "success")
    return redirect(request, f"/w/{account.workspace_id}/accounts")


def _whoami(ctx: Context, network: str, credentials: dict[str, str], base_url: str) -> str:
    cls = connector_class(network)
    account = AccountContext(
        0, "", credentials, base_url=base_url or None, data_dir=ctx.settings.data_dir
    )
    probe = cls(
        account,
        timeout=ctx.settings.http_timeout_seconds,
        app_credentials=ctx.settings.network_app_credentials.get(network, {}),
    )
    with probe:
        handle, _ = probe.whoami()
    return handle


@router.post("/w/{workspace_id}/accounts/token")
def add_with_token(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    network: Annotated[str, Form()],
    handle: Annotated[str, Form()] = "",
    base_url: Annotated[str, Form()] = "",
    access_token: Annotated[str, Form()] = "",
    more: Annotated[str, Form()] = "",
) -> Response:
    """Add (or update) an account whose network gives a token rather than an OAuth flow."""
    ctx = context_of(request)
    back = f"/w/{workspace_id}/accounts"
    credentials: dict[str, str] = {}
    if more.strip():
        try:
            extra = json.loads(more)
        except json.JSONDecodeError:
            extra = None
        if not isinstance(extra, dict):
            flash(request, 'More credentials: a JSON object, e.g. {"key": "value"}.', "error")
            return redirect(request, back)
        credentials.update({str(k): str(v) for k, v in extra.items()})
    if access_token.strip():
        credentials["access_token"] = access_token.strip()
    try:
        if not handle.strip():
            handle = _whoami(ctx, network, credentials, base_url.strip())
        account: SocialAccount = accounts.connect_account(
            ctx,
            me.actor,
            workspace_id,
            network,
            handle,
            credentials=credentials,
            settings={"base_url": base_url.strip()} if base_url.strip() else None,
        )
    except (ValidationFailed, NetworkError) as exc:
        if isinstance(exc, Rejected) and not handle.strip():
            exc = ValidationFailed("enter the account's handle", "handle")
        flash(request, f"Account not added: {exc}", "error")
        return redirect(request, back)
    flash(request, f"Added {account.network} account {account.handle}.", "success")
    return redirect(request, back)


@router.post("/w/{workspace_id}/notifications/webhook")
def set_webhook(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    url: Annotated[str, Form()] = "",
) -> Response:
    ctx = context_of(request)
    back = f"/w/{workspace_id}/accounts#notifications"
    try:
        secret = notifications.set_notification_webhook(ctx, me.actor, workspace_id, url)
    except ValidationFailed as exc:
        flash(request, f"Webhook not saved: {exc}", "error")
        return redirect(request, back)
    if secret:
        flash(
            request,
            f"Webhook saved. Its signing secret, shown only now: {secret}",
            "success",
        )
    else:
        flash(request, "Webhook removed: no notification will be sent.", "success")
    return redirect(request, back)


@router.post("/w/{workspace_id}/notifications/test")
def test_webhook(request: Request, me: CurrentUser, workspace_id: int) -> Response:
    ctx = context_of(request)
    back = f"/w/{workspace_id}/accounts#notifications"
    if notifications.notification_webhook(ctx, me.actor, workspace_id) is None:
        flash(request, "Set a webhook URL first.", "error")
        return redirect(request, back)
    try:
        notifications.notify(ctx, workspace_id, "test", {"message": "Clairon test notification"})
    except NetworkError as exc:
        flash(request, f"The test notification failed: {exc}", "error")
    else:
        flash(request, "Test notification delivered.", "success")
    return redirect(request, back)
