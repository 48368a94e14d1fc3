"""Browser sessions and CSRF protection.

The session is a signed cookie (Starlette ``SessionMiddleware``) holding the user id, the
current workspace and a per-session CSRF token. :class:`SessionUserMiddleware` copies the user
id to ``request.state.user_id`` so the JSON API can accept a logged-in browser too.

Every state-changing request to the web pages must carry the session's CSRF token, either in
the ``csrf_token`` form field (plain forms) or in the ``X-CSRF-Token`` header (HTMX requests,
set once on ``<body hx-headers=...>``); :func:`csrf_guard` checks it.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "CsrfRejected",
    "SessionUserMiddleware",
    "csrf_guard",
    "csrf_token",
    "csrf_valid",
    "log_in",
    "log_out",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token (answered with 403)."""


class SessionUserMiddleware:
    """Sets ``request.state.user_id`` (``None`` when nobody is logged in) from the session.

    The JSON API trusts ``request.state.user_id`` as the caller, so for a state-changing
    method it is only set when the request also carries the session's CSRF token in the
    ``X-CSRF-Token`` header: a forged cross-site request gets no user (401), never an action.
    Must run inside ``SessionMiddleware`` (added to the app before it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            session: dict[str, Any] = scope.get("session") or {}
            user_id = session.get("user_id")
            unsafe = scope.get("method", "GET") not in SAFE_METHODS
            if not isinstance(user_id, int) or (unsafe and not _header_token_ok(scope, session)):
                user_id = None
            scope.setdefault("state", {})["user_id"] = user_id
        await self.app(scope, receive, send)


def _header_token_ok(scope: Scope, session: dict[str, Any]) -> bool:
    expected = session.get("csrf")
    if not isinstance(expected, str) or not expected:
        return False
    for name, value in scope.get("headers", []):
        if name.decode("latin-1").lower() == CSRF_HEADER:
            return secrets.compare_digest(value, expected.encode())
    return False


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_valid(request: Request) -> bool:
    """Whether the request carries the session's CSRF token (header or form field)."""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not expected:
        return False
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else ""
    return bool(sent) and secrets.compare_digest(sent.encode(), expected.encode())


async def csrf_guard(request: Request) -> None:
    """Dependency of every web route: state-changing methods need the CSRF token."""
    if request.method in SAFE_METHODS:
        return
    if not await csrf_valid(request):
        raise CsrfRejected("missing or wrong CSRF token")


def log_in(request: Request, user_id: int) -> None:
    """Start a fresh session for the user (a new CSRF token: no session fixation)."""
    request.session.clear()
    request.session["user_id"] = user_id
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.scope.setdefault("state", {})["user_id"] = user_id


def log_out(request: Request) -> None:
    request.session.clear()
    request.scope.setdefault("state", {})["user_id"] = None
