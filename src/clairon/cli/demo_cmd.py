"""`clairon demo`: demo data on the embedded default, then the web UI."""

from __future__ import annotations

import typer

from clairon.services.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo

from .common import console, friendly_errors, open_context


@friendly_errors
def demo(
    serve: bool = typer.Option(True, help="Serve the web UI after seeding."),
    host: str | None = typer.Option(None, help="Address to bind (default: settings)."),
    port: int | None = typer.Option(None, help="Port (default: settings)."),
    worker: bool = typer.Option(True, help="Run the in-process worker beside the UI."),
) -> None:
    """Create a demo workspace with realistic FR/EN posts, comments and 16 weeks of metrics
    (once), then serve the UI."""
    ctx = open_context()
    with console.status("Creating demo data…"):
        summary = seed_demo(ctx)
    if summary.posts:
        console.print(
            f"[green]Demo data[/]: {summary.workspaces} workspaces, {summary.posts} "
            f"posts, {summary.comments} comments, {summary.snapshots} metric snapshots."
        )
    else:
        console.print("Demo data already present.")
    settings = ctx.settings
    console.print(
        f"Log in at [bold]http://{host or settings.host}:{port or settings.port}/[/] "
        f"as [bold]{DEMO_USERS[0]}[/] / [bold]{DEMO_PASSWORD}[/] "
        f"(approver: {DEMO_USERS[1]}, same password)."
    )
    ctx.close()
    if serve:
        from clairon.cli.runtime import run_server

        run_server(host=host or settings.host, port=port or settings.port, with_worker=worker)
