"""`clairon init` and `clairon keys ...`: first-run setup and encryption keys."""

from __future__ import annotations

import typer

from clairon.crypto import generate_key
from clairon.services import accounts as account_service
from clairon.services import users as user_service
from clairon.services import workspaces as ws_service
from clairon.services.context import Actor
from clairon.store import workspaces as ws_repo

from .common import console, friendly_errors, open_context

keys_app = typer.Typer(help="Encryption keys for credentials at rest.", no_args_is_help=True)


@friendly_errors
def init(
    email: str = typer.Option("admin@clairon.local", help="E-mail of the first administrator."),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Password of the first administrator (8+ characters).",
    ),
    workspace: str = typer.Option("My brand", help="Name of the first workspace."),
    timezone: str = typer.Option("Europe/Paris", help="IANA time zone of the workspace."),
    languages: str = typer.Option("fr,en", help="Comma-separated languages of the workspace."),
) -> None:
    """Create the database (migrations), the first administrator and workspace, and an API
    token. Safe to run again: existing data is kept."""
    ctx = open_context()
    with ctx.store.transaction() as conn:
        existing = ws_repo.get_user_by_email(conn, email)
    if existing is not None:
        console.print(f"[green]Database ready.[/] {email} already exists; nothing to create.")
        return
    user = user_service.create_user(ctx, email, "Administrator", password, is_admin=True)
    actor = Actor(user.id, user.email)
    ws = ws_service.create_workspace(
        ctx,
        actor,
        workspace,
        timezone=timezone,
        languages=[x.strip() for x in languages.split(",")],
    )
    account_service.connect_account(
        ctx, actor, ws.id, "outbox", "outbox", display_name="Outbox (local JSON files)"
    )
    token = user_service.issue_api_token(ctx, user.id, "cli-init")
    console.print(
        f"[green]Created[/] administrator {email}, workspace '{ws.name}' ({ws.slug}) "
        "with an outbox account."
    )
    console.print(f"API token (shown once): [bold]{token}[/]")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new encryption key for CLAIRON_ENCRYPTION_KEYS."""
    typer.echo(generate_key())


@keys_app.command("rotate")
@friendly_errors
def keys_rotate() -> None:
    """Re-encrypt every stored credential with the first key of CLAIRON_ENCRYPTION_KEYS.

    Rotation: put the new key first and keep the old one after it (comma-separated), run this,
    then remove the old key."""
    ctx = open_context()
    count = account_service.rotate_encryption(ctx)
    console.print(f"[green]Re-encrypted[/] the credentials of {count} account(s).")
