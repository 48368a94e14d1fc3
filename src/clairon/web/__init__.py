"""Server-rendered web UI (Jinja2 + HTMX), mounted on the API app.

Pages read ``app.state.ctx`` (the services Context) and call services only. Every asset is
served from ``/static`` (htmx is vendored): the UI works offline and loads nothing from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from clairon.web import (
    accounts,
    auth,
    besttime,
    calendar,
    composer,
    drafting,
    inbox,
    knowledge,
    planner,
    posts,
    review,
    rules,
)
from clairon.web.security import SessionUserMiddleware, csrf_guard

__all__ = ["ROUTERS", "SESSION_COOKIE", "STATIC_DIR", "mount_web"]

STATIC_DIR = Path(__file__).parent / "static"
SESSION_COOKIE = "clairon_session"
SESSION_MAX_AGE = 14 * 24 * 3600
ROUTERS = tuple(
    m.router
    for m in (auth, calendar, composer, posts, review, inbox, accounts, besttime, drafting, planner)
) + tuple(m.router for m in (rules, knowledge))


def mount_web(app: FastAPI) -> None:
    """Attach the web pages, static files, session and CSRF protection to the FastAPI app.

    The settings come from ``app.state.ctx.settings`` (set before calling this)."""
    settings = app.state.ctx.settings
    # Added first, so it runs inside SessionMiddleware and sees the decoded session.
    app.add_middleware(SessionUserMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.base_url.startswith("https://"),
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(csrf_guard)], include_in_schema=False)
