"""What every CLI command shares: the context, the acting user, the workspace, error output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from clairon.config import get_settings
from clairon.domain import Workspace
from clairon.errors import ClaironError, ConfigError, ValidationFailed
from clairon.services import workspaces as ws_service
from clairon.services.context import Actor, Context
from clairon.store import workspaces as ws_repo

__all__ = [
    "console",
    "err_console",
    "friendly_errors",
    "open_context",
    "resolve_actor",
    "resolve_workspace",
]

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn Clairon errors into a clear message and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ValidationFailed as exc:
            err_console.print(f"[bold red]Invalid input[/] ({len(exc.problems)} problem(s)):")
            for p in exc.problems:
                err_console.print(f"  • [yellow]{p.location or '-'}[/]: {p.message}")
            err_console.print("Nothing was written.")
            sys.exit(2)
        except ClaironError as exc:
            err_console.print(f"[bold red]{type(exc).__name__}[/]: {exc}")
            sys.exit(2)
        finally:
            while _open_contexts:
                _open_contexts.pop().close()

    return wrapper


_open_contexts: list[Context] = []


def open_context() -> Context:
    """The services context for one command (its connections are closed when it ends)."""
    try:
        settings = get_settings()
    except ConfigError as exc:
        err_console.print(f"[bold red]Configuration error[/]: {exc}")
        raise typer.Exit(2) from None
    ctx = Context.from_settings(settings)
    _open_contexts.append(ctx)
    return ctx


def resolve_actor(ctx: Context, email: str | None) -> Actor:
    """The user the CLI acts as: ``--user EMAIL``, else the first administrator."""
    from sqlalchemy import select

    from clairon.store.tables import users

    with ctx.store.transaction() as conn:
        if email:
            user = ws_repo.get_user_by_email(conn, email)
            if user is None:
                raise ConfigError(f"no user with e-mail {email}")
            return Actor(user.id, user.email)
        row = conn.execute(
            select(users.c.id, users.c.email).order_by(users.c.is_admin.desc(), users.c.id)
        ).first()
    if row is None:
        raise ConfigError("no user yet: run `clairon init` first")
    return Actor(int(row.id), str(row.email))


def resolve_workspace(ctx: Context, actor: Actor, slug: str | None) -> Workspace:
    mine = ws_service.list_my_workspaces(ctx, actor)
    if not mine:
        raise ConfigError("you are a member of no workspace: run `clairon init` or create one")
    if slug is None:
        return mine[0][0]
    for ws, _role in mine:
        if ws.slug == slug or str(ws.id) == slug:
            return ws
    raise ConfigError(f"no workspace '{slug}' among yours ({', '.join(w.slug for w, _ in mine)})")
