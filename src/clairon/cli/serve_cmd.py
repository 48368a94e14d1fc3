"""``clairon serve``: run the API and web UI with uvicorn."""

from __future__ import annotations

import typer

from clairon.cli.common import err_console
from clairon.config import get_settings
from clairon.errors import ConfigError

__all__ = ["APP_FACTORY", "serve"]

APP_FACTORY = "clairon.api.app:create_app"


def serve(
    host: str | None = typer.Option(None, help="Address to bind (default: CLAIRON_HOST)."),
    port: int | None = typer.Option(None, help="Port to listen on (default: CLAIRON_PORT)."),
    reload: bool = typer.Option(False, "--reload", help="Restart on code changes (development)."),
    worker: bool = typer.Option(
        False, "--worker/--no-worker", help="Also run the in-process worker (embedded default)."
    ),
) -> None:
    """Serve the JSON API (/api/v1, OpenAPI at /docs) and the web UI."""
    import uvicorn

    try:
        settings = get_settings()
    except ConfigError as exc:
        err_console.print(f"[bold red]Configuration error[/]: {exc}")
        raise typer.Exit(2) from None
    bind_host = host or settings.host
    bind_port = port if port is not None else settings.port
    if reload:
        if worker:
            err_console.print("[bold red]--reload cannot be combined with --worker[/]")
            raise typer.Exit(2)
        # reload re-imports the app in a child process, so uvicorn needs the factory's name
        uvicorn.run(APP_FACTORY, factory=True, host=bind_host, port=bind_port, reload=True)
        return
    if worker:
        from clairon.cli.runtime import run_server

        run_server(host=bind_host, port=bind_port, with_worker=True)
        return
    from clairon.api.app import create_app

    uvicorn.run(create_app(settings), host=bind_host, port=bind_port, log_level="info")
