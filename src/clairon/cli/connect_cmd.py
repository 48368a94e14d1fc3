"""`clairon account connect NETWORK`: OAuth 2 (+ PKCE) from a terminal.

A one-shot HTTP server on ``127.0.0.1:PORT`` receives the network's redirect at ``/callback``
(register ``http://127.0.0.1:PORT/callback`` as a redirect URI of your app), or, with
``--paste``, you paste the URL the browser was sent to (for a remote machine without a
browser). Only a request carrying the state of this connection is accepted.
"""

from __future__ import annotations

import threading
import time
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import typer

from clairon.errors import ConfigError, ValidationFailed
from clairon.services import oauth as oauth_service

from .common import console, friendly_errors, open_context, resolve_actor, resolve_workspace

__all__ = ["account_connect", "parse_redirect", "wait_for_callback"]

CALLBACK_PATH = "/callback"

_DONE_PAGE = (
    b"<!doctype html><meta charset='utf-8'><title>Clairon</title>"
    b"<p>Clairon received the answer. You can close this window and go back to the terminal.</p>"
)


def parse_redirect(text: str) -> dict[str, str]:
    """The query of a pasted redirect URL (or of a bare ``code=...&state=...``)."""
    text = text.strip()
    query = urlparse(text).query if "?" in text or "://" in text else text
    return {k: v[0] for k, v in parse_qs(query).items() if v}


def wait_for_callback(
    port: int,
    state: str,
    timeout: float,
    *,
    host: str = "127.0.0.1",
    on_ready: Callable[[], None] | None = None,
) -> dict[str, str]:
    """Serve ``/callback`` until a request with ``state`` arrives (or ``timeout`` seconds).
    ``on_ready`` runs once the port is bound (show the URL then: no answer can be missed)."""
    answer: dict[str, str] = {}
    arrived = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            url = urlparse(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items() if v}
            if url.path != CALLBACK_PATH or params.get("state") != state or arrived.is_set():
                self.send_response(404 if url.path != CALLBACK_PATH else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            answer.update(params)
            arrived.set()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(_DONE_PAGE)))
            self.end_headers()
            self.wfile.write(_DONE_PAGE)

    try:
        server = HTTPServer((host, port), Handler)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port "
            "(and register that redirect URI)"
        ) from None
    server.timeout = 0.25
    if on_ready is not None:
        on_ready()
    deadline = time.monotonic() + timeout
    try:
        while not arrived.is_set():
            if time.monotonic() > deadline:
                raise ValidationFailed(
                    f"no answer from the network within {timeout:.0f} s; run the command again",
                    "callback",
                )
            server.handle_request()
    finally:
        server.server_close()
    return answer


def _explain_error(params: dict[str, str]) -> None:
    error = params.get("error", "")
    if not error:
        return
    if error == "access_denied":
        raise ValidationFailed(
            "the authorisation was declined, so nothing was connected", "authorisation"
        )
    detail = params.get("error_description", "")
    raise ValidationFailed(
        f"the network refused the connection ({error}{': ' + detail if detail else ''})",
        "authorisation",
    )


@friendly_errors
def account_connect(
    network: str,
    workspace: str | None = typer.Option(
        None, "--workspace", "-w", help="Workspace slug (default: your first)."
    ),
    user: str | None = typer.Option(
        None, "--user", help="Act as this user (default: first administrator)."
    ),
    base_url: str = typer.Option(
        "",
        "--base-url",
        help="Instance URL for self-hosted networks (e.g. https://example.social).",
    ),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Local callback port."),
    no_browser: bool = typer.Option(
        False, "--no-browser", help="Print the authorisation URL without opening a browser."
    ),
    paste: bool = typer.Option(
        False, "--paste", help="Paste the redirected URL instead of running a local server."
    ),
    timeout: float = typer.Option(300.0, "--timeout", min=1, help="Seconds to wait."),
) -> None:
    """Connect (or reconnect) an account with OAuth 2: authorise in a browser, tokens are
    stored encrypted."""
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    redirect_uri = f"http://127.0.0.1:{port}{CALLBACK_PATH}"
    start = oauth_service.start_connect(
        ctx, actor, ws.id, network, redirect_uri, base_url=base_url or None
    )

    def show() -> None:
        console.print(f"Authorise Clairon for [bold]{network}[/] (redirect URI {redirect_uri}):")
        typer.echo(start.url)  # plain: a URL must never be wrapped

    if paste:
        show()
        pasted = typer.prompt("Paste the URL your browser was sent to")
        params = parse_redirect(pasted)
        if params.get("state") != start.state:
            raise ValidationFailed(
                "that URL is not the answer to this connection (state differs)", "url"
            )
    else:

        def ready() -> None:
            show()
            if not no_browser:
                webbrowser.open(start.url)
            console.print(f"Waiting for the network's answer on {redirect_uri} …")

        params = wait_for_callback(port, start.state, timeout, on_ready=ready)
    _explain_error(params)
    if not params.get("code"):
        raise ValidationFailed("the network sent no authorisation code", "callback")
    account = oauth_service.complete_connect(ctx, actor, start.state, params["code"])
    expires = (
        f"; token expires {account.token_expires_at:%Y-%m-%d %H:%M} UTC"
        if account.token_expires_at
        else ""
    )
    console.print(
        f"[green]Connected[/] {account.network}:{account.handle} "
        f"({account.status}) in {ws.slug}{expires}."
    )
