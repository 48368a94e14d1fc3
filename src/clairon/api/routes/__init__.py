"""One router per resource; :data:`ROUTERS` is what the app includes under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from clairon.api.routes import (
    accounts,
    auth,
    calendar,
    inbox,
    media,
    metrics,
    posts,
    schedule,
    workspaces,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    workspaces.router,
    accounts.router,
    media.router,
    posts.router,
    schedule.router,
    calendar.router,
    inbox.router,
    metrics.router,
)
