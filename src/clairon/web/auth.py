"""Login, logout, the home redirect and the workspace switcher."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from clairon.errors import NotFound
from clairon.services import users
from clairon.web.rendering import (
    CurrentUser,
    LoginRequired,
    WebRoute,
    context_of,
    redirect,
    render,
    viewer,
)
from clairon.web.security import log_in, log_out

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)


def _safe_next(target: str) -> str:
    """Only local paths (no ``//host`` or scheme): no open redirect after login."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/")
def home(request: Request, me: CurrentUser) -> Response:
    if not me.memberships:
        return render(request, "empty.html", me=me)
    remembered = request.session.get("workspace_id")
    ids = [ws.id for ws, _ in me.memberships]
    target = remembered if remembered in ids else ids[0]
    return redirect(request, f"/w/{target}/calendar")


@router.get("/login")
def login_page(request: Request, next: Annotated[str, Query()] = "/") -> Response:
    try:
        viewer(request)
        return redirect(request, _safe_next(next))
    except LoginRequired:
        pass
    return render(request, "login.html", next=_safe_next(next), email="", error="")


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        user = users.authenticate(context_of(request), email, password)
    except NotFound:
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            email=email,
            error="Unknown e-mail or wrong password.",
        )
    log_in(request, user.id)
    return redirect(request, _safe_next(next))


@router.post("/logout")
def logout(request: Request) -> Response:
    log_out(request)
    return redirect(request, "/login")


SECTIONS = ("calendar", "posts", "compose", "review", "inbox")


@router.get("/switch")
def switch_workspace(
    request: Request,
    me: CurrentUser,
    workspace: Annotated[int, Query()],
    section: Annotated[str, Query()] = "calendar",
) -> Response:
    """Go to the same section (calendar, review...) of another of the user's workspaces."""
    if me.role_in(workspace) is None:
        raise NotFound(f"workspace {workspace} not found")
    return redirect(request, f"/w/{workspace}/{section if section in SECTIONS else 'calendar'}")
