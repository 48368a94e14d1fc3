"""Login (with a lockout after repeated failures), logout, the home redirect and the
workspace switcher."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from clairon.errors import NotFound
from clairon.services import users
from clairon.services.context import Context
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


MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)
_lock = threading.Lock()


def _failures(ctx: Context) -> dict[str, list[datetime]]:
    store = ctx.extras.setdefault("web.login_failures", {})
    assert isinstance(store, dict)
    return store


def _locked_for(ctx: Context, email: str) -> timedelta | None:
    """How long this e-mail is still locked out after too many recent failures."""
    now = ctx.now()
    with _lock:
        recent = [t for t in _failures(ctx).get(email, []) if now - t < LOCKOUT]
        _failures(ctx)[email] = recent
    if len(recent) < MAX_FAILURES:
        return None
    return LOCKOUT - (now - recent[-MAX_FAILURES])


def _record_failure(ctx: Context, email: str) -> None:
    with _lock:
        _failures(ctx).setdefault(email, []).append(ctx.now())


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    ctx = context_of(request)
    key = email.strip().lower()
    wait = _locked_for(ctx, key)
    if wait is not None:
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        return render(
            request,
            "login.html",
            status_code=429,
            next=_safe_next(next),
            email=email,
            error=f"Too many failed attempts for this e-mail: try again in {minutes} min.",
        )
    try:
        user = users.authenticate(ctx, email, password)
    except NotFound:
        _record_failure(ctx, key)
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            email=email,
            error="Unknown e-mail or wrong password.",
        )
    with _lock:
        _failures(ctx).pop(key, None)
    log_in(request, user.id)
    return redirect(request, _safe_next(next))


@router.post("/logout")
def logout(request: Request) -> Response:
    log_out(request)
    return redirect(request, "/login")


SECTIONS = ("calendar", "posts", "compose", "review", "inbox", "accounts", "rules", "knowledge")


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
