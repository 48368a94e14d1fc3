"""`clairon workspace ...`, `clairon user ...` and `clairon account ...`."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from clairon.domain import Role
from clairon.errors import ValidationFailed
from clairon.services import accounts as account_service
from clairon.services import users as user_service
from clairon.services import workspaces as ws_service

from .common import console, friendly_errors, open_context, resolve_actor, resolve_workspace

workspace_app = typer.Typer(help="Workspaces (one per brand or client).", no_args_is_help=True)
account_app = typer.Typer(help="Social accounts.", no_args_is_help=True)
user_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)

UserOpt = typer.Option(None, "--user", help="Act as this user (default: first administrator).")
WsOpt = typer.Option(None, "--workspace", "-w", help="Workspace slug (default: your first).")


@workspace_app.command("create")
@friendly_errors
def workspace_create(
    name: str, timezone: str = "Europe/Paris", languages: str = "fr,en", user: str | None = UserOpt
) -> None:
    """Create a workspace; you become its owner."""
    ctx = open_context()
    ws = ws_service.create_workspace(
        ctx, resolve_actor(ctx, user), name, timezone=timezone, languages=languages.split(",")
    )
    console.print(f"[green]Workspace[/] {ws.name} ({ws.slug}) created.")


@workspace_app.command("list")
@friendly_errors
def workspace_list(user: str | None = UserOpt) -> None:
    """List your workspaces."""
    ctx = open_context()
    table = Table("id", "slug", "name", "time zone", "languages", "your role")
    for ws, role in ws_service.list_my_workspaces(ctx, resolve_actor(ctx, user)):
        table.add_row(str(ws.id), ws.slug, ws.name, ws.timezone, ",".join(ws.languages), role)
    console.print(table)


@workspace_app.command("invite")
@friendly_errors
def workspace_invite(
    email: str,
    role: Role = typer.Option(Role.editor),
    user: str | None = UserOpt,
    workspace: str | None = WsOpt,
) -> None:
    """Add a member (creating the user if needed) or change their role."""
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    ws_service.invite_member(ctx, actor, ws.id, email, role)
    console.print(f"{email} is now {role} of {ws.slug}.")


@user_app.command("create")
@friendly_errors
def user_create(
    email: str, name: str = "", password: str = typer.Option(..., prompt=True, hide_input=True)
) -> None:
    """Create a user who can log in to the web UI."""
    ctx = open_context()
    u = user_service.create_user(ctx, email, name, password)
    console.print(f"[green]User[/] {u.email} created.")


@user_app.command("token")
@friendly_errors
def user_token(email: str, name: str = "cli") -> None:
    """Issue an API token for a user (shown once)."""
    ctx = open_context()
    actor = resolve_actor(ctx, email)
    assert actor.user_id is not None
    console.print(user_service.issue_api_token(ctx, actor.user_id, name))


@account_app.command("add")
@friendly_errors
def account_add(
    network: str,
    handle: str,
    credentials: str = typer.Option("{}", help='JSON, e.g. {"access_token": "..."}'),
    base_url: str = typer.Option("", help="Instance/API URL (e.g. https://mastodon.social)."),
    user: str | None = UserOpt,
    workspace: str | None = WsOpt,
) -> None:
    """Add an account with credentials you already have (tokens are encrypted at rest)."""
    try:
        creds = json.loads(credentials)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"not JSON: {exc}", "--credentials") from None
    if not isinstance(creds, dict):
        raise ValidationFailed("must be a JSON object", "--credentials")
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    acc = account_service.connect_account(
        ctx,
        actor,
        ws.id,
        network,
        handle,
        credentials={k: str(v) for k, v in creds.items()},
        settings={"base_url": base_url} if base_url else None,
    )
    console.print(f"[green]Account[/] {acc.network}:{acc.handle} ({acc.status}) in {ws.slug}.")


@account_app.command("list")
@friendly_errors
def account_list(user: str | None = UserOpt, workspace: str | None = WsOpt) -> None:
    """List the workspace's accounts and their status."""
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    table = Table("id", "network", "handle", "status", "token expires")
    for a in account_service.list_accounts(ctx, actor, ws.id):
        table.add_row(
            str(a.id),
            a.network,
            a.handle,
            a.status,
            a.token_expires_at.isoformat() if a.token_expires_at else "",
        )
    console.print(table)


from .connect_cmd import account_connect  # noqa: E402

account_app.command("connect")(account_connect)
