"""`clairon post ...`: create, list, submit, approve, schedule posts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from clairon.domain import VariantStatus
from clairon.errors import ValidationFailed
from clairon.services import accounts as account_service
from clairon.services import posts as post_service
from clairon.services import scheduling

from .common import console, friendly_errors, open_context, resolve_actor, resolve_workspace

app = typer.Typer(help="Create, review and schedule posts.", no_args_is_help=True)

UserOpt = typer.Option(None, "--user", help="Act as this user (default: first administrator).")
WsOpt = typer.Option(None, "--workspace", "-w", help="Workspace slug (default: your first).")


@app.command("create")
@friendly_errors
def create(
    text: str = typer.Argument(..., help="The post's text."),
    accounts: str = typer.Option(
        ..., "--accounts", "-a", help="Comma-separated account handles (or network:handle)."
    ),
    language: str = typer.Option("", "--lang", help="Language code (default: workspace's)."),
    title: str = typer.Option("", help="Internal title."),
    submit: bool = typer.Option(False, help="Submit for review right away."),
    user: str | None = UserOpt,
    workspace: str | None = WsOpt,
) -> None:
    """Create a post with one variant per account."""
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    known = account_service.list_accounts(ctx, actor, ws.id)
    by_key = {a.handle: a for a in known} | {f"{a.network}:{a.handle}": a for a in known}
    specs = []
    for i, key in enumerate(k.strip() for k in accounts.split(",") if k.strip()):
        if key not in by_key:
            raise ValidationFailed(f"no account '{key}' in {ws.slug}", f"accounts[{i}]")
        specs.append(post_service.VariantSpec(account_id=by_key[key].id, language=language))
    post = post_service.create_post(ctx, actor, ws.id, text, specs, title=title)
    if submit:
        post = post_service.submit_for_review(ctx, actor, post.id)
    console.print(
        f"[green]Post {post.id}[/] created ({len(post.variants)} variant(s), {post.status})."
    )


@app.command("list")
@friendly_errors
def list_(
    status: VariantStatus | None = typer.Option(None, help="Only posts with a variant in it."),
    limit: int = typer.Option(50, min=1, max=500),
    user: str | None = UserOpt,
    workspace: str | None = WsOpt,
) -> None:
    """List posts, newest first."""
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    items, total = post_service.list_posts(ctx, actor, ws.id, status=status, limit=limit)
    tz = ZoneInfo(ws.timezone)
    table = Table(title=f"{ws.name}: {len(items)} of {total} post(s)")
    for col in ("id", "status", "variants", "scheduled", "text"):
        table.add_column(col)
    for p in items:
        when = min((v.scheduled_at for v in p.variants if v.scheduled_at), default=None)
        table.add_row(
            str(p.id),
            p.status,
            ", ".join(f"{v.network}:{v.status}" for v in p.variants),
            when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else "",
            (p.body[:60] + "…") if len(p.body) > 60 else p.body,
        )
    console.print(table)


@app.command("submit")
@friendly_errors
def submit(post_id: int, comment: str = "", user: str | None = UserOpt) -> None:
    """Send a draft post to review."""
    ctx = open_context()
    post = post_service.submit_for_review(ctx, resolve_actor(ctx, user), post_id, comment)
    console.print(f"Post {post.id}: {post.status}")


@app.command("approve")
@friendly_errors
def approve(post_id: int, comment: str = "", user: str | None = UserOpt) -> None:
    """Approve a post in review."""
    ctx = open_context()
    post = post_service.approve_post(ctx, resolve_actor(ctx, user), post_id, comment)
    console.print(f"Post {post.id}: {post.status}")


@app.command("reject")
@friendly_errors
def reject(
    post_id: int, comment: str = typer.Option(..., help="Why."), user: str | None = UserOpt
) -> None:
    """Send a post back to its author with a comment."""
    ctx = open_context()
    post = post_service.reject_post(ctx, resolve_actor(ctx, user), post_id, comment)
    console.print(f"Post {post.id}: {post.status}")


@app.command("schedule")
@friendly_errors
def schedule(
    post_id: int,
    at: str = typer.Option(
        ..., "--at", help="ISO-8601 time; without offset, the workspace's time zone."
    ),
    user: str | None = UserOpt,
) -> None:
    """Schedule the approved variants of a post."""
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    post = post_service.get_post(ctx, actor, post_id)
    from clairon.services import workspaces as ws_service

    ws = ws_service.get_workspace(ctx, actor, post.workspace_id)
    try:
        when = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"'{at}' is not an ISO-8601 date-time", "at") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(ws.timezone))
    variants = scheduling.schedule_post(ctx, actor, post_id, when)
    console.print(
        f"[green]Scheduled[/] {len(variants)} variant(s) of post {post_id} at "
        f"{when.astimezone(ZoneInfo(ws.timezone)).isoformat()} ({ws.timezone})."
    )
