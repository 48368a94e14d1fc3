"""The FastAPI application factory: the JSON API under ``/api/v1``, health, and the web UI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import clairon
from clairon.api.errors import install_error_handlers
from clairon.api.routes import ROUTERS, drafts, health, moderation
from clairon.config import Settings, get_settings
from clairon.services.context import Context

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, ctx: Context | None = None) -> FastAPI:
    """Build the app. Given a ``ctx`` it is used as is (and not closed); otherwise one is built
    from ``settings`` (default: the process settings), migrating the database, and closed on
    shutdown."""
    owned = ctx is None
    if ctx is None:
        ctx = Context.from_settings(settings or get_settings())
    context = ctx

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            context.close()

    app = FastAPI(
        title="Clairon",
        version=clairon.__version__,
        description="Self-hostable AI social media studio. Authenticate with "
        "`POST /api/v1/tokens`, then send `Authorization: Bearer <token>`.",
        lifespan=lifespan,
    )
    app.state.ctx = context
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(drafts.router, prefix=API_PREFIX)
    app.include_router(moderation.router, prefix=API_PREFIX)
    app.include_router(health.router)

    from clairon.web import mount_web

    mount_web(app)
    return app
