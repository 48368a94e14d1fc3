"""What every page shares: templates and filters, the logged-in user, the workspace switcher,
flash messages, and one place that turns typed errors into pages (404, 403, 409, login)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.responses import RedirectResponse, Response

from clairon.domain import Action, Role, User, Workspace, role_allows
from clairon.errors import (
    ClaironError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from clairon.services import users, workspaces
from clairon.services.context import Actor, Context
from clairon.web.security import CsrfRejected, csrf_token, log_out

__all__ = [
    "CurrentUser",
    "LoginRequired",
    "Viewer",
    "WebRoute",
    "context_of",
    "flash",
    "local_time",
    "redirect",
    "render",
    "viewer",
]

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# Pages load only their own assets; no inline script, no third-party origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)


class LoginRequired(Exception):
    """No logged-in user: browsers are sent to the login page."""


def context_of(request: Request) -> Context:
    ctx = request.app.state.ctx
    assert isinstance(ctx, Context), "app.state.ctx must be the services Context"
    return ctx


def local_time(
    value: datetime | str | None, tz: str, fmt: str = "%a %d %b %Y, %H:%M", zone: bool = True
) -> str:
    """A UTC datetime (or ISO-8601 string with offset, as in audit events) shown in the
    workspace's zone, with the zone's abbreviation (CET, CEST)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if parsed.tzinfo is None:
            return value
        value = parsed
    local = value.astimezone(ZoneInfo(tz))
    return f"{local.strftime(fmt)} {local.tzname()}" if zone else local.strftime(fmt)


TEMPLATES.env.filters["local"] = local_time


@dataclass(frozen=True)
class Viewer:
    """The logged-in user and the workspaces they belong to (for the switcher)."""

    user: User
    memberships: list[tuple[Workspace, Role]]

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, self.user.email)

    def role_in(self, workspace_id: int) -> Role | None:
        for ws, role in self.memberships:
            if ws.id == workspace_id:
                return role
        return None

    def can(self, workspace_id: int, action: str) -> bool:
        role = self.role_in(workspace_id)
        return role is not None and role_allows(role, Action(action))


def viewer(request: Request) -> Viewer:
    """Dependency: the logged-in user, or :class:`LoginRequired`."""
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        raise LoginRequired()
    ctx = context_of(request)
    try:
        user = users.get_user(ctx, user_id)
    except NotFound:
        log_out(request)
        raise LoginRequired() from None
    memberships = workspaces.list_my_workspaces(ctx, Actor(user.id, user.email))
    return Viewer(user=user, memberships=memberships)


CurrentUser = Annotated[Viewer, Depends(viewer)]


def flash(request: Request, message: str, level: str = "info") -> None:
    """A message shown once, on the next page rendered."""
    messages = list(request.session.get("flash", []))
    messages.append({"level": level, "text": message})
    request.session["flash"] = messages[-5:]


def render(
    request: Request,
    template: str,
    *,
    me: Viewer | None = None,
    workspace: Workspace | None = None,
    status_code: int = 200,
    **values: Any,
) -> Response:
    if workspace is not None:
        request.session["workspace_id"] = workspace.id
    messages = request.session.pop("flash", [])
    context: dict[str, Any] = {
        "me": me,
        "workspace": workspace,
        "role": me.role_in(workspace.id) if me and workspace else None,
        "csrf": csrf_token(request),
        "messages": messages,
        **values,
    }
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def redirect(request: Request, url: str) -> Response:
    """After a form: 303 to the next page (HTMX requests follow ``HX-Redirect``)."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _error_page(request: Request, status: int, title: str, detail: str) -> Response:
    me: Viewer | None
    try:
        me = viewer(request)
    except LoginRequired:
        me = None
    return render(request, "error.html", me=me, status_code=status, title=title, detail=detail)


class WebRoute(APIRoute):
    """Routes of the web pages: typed errors become pages, not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except LoginRequired:
                target = f"/login?next={quote(request.url.path)}"
                if request.method != "GET":
                    target = "/login"
                return redirect(request, target)
            except CsrfRejected:
                return _error_page(
                    request,
                    403,
                    "Form expired",
                    "This form was not sent from a page of this session. "
                    "Reload the page and try again.",
                )
            except NotFound as exc:
                return _error_page(request, 404, "Not found", str(exc))
            except PermissionDenied as exc:
                return _error_page(request, 403, "Not allowed", str(exc))
            except (InvalidTransition, ValidationFailed) as exc:
                return _error_page(request, 409, "Cannot do that now", str(exc))
            except ClaironError as exc:
                return _error_page(request, 400, "Something is wrong", str(exc))

        return handler
