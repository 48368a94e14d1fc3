"""Liveness and readiness: the process answers and the database is reachable and migrated."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from clairon.api.deps import CtxDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(ctx: CtxDep) -> JSONResponse:
    try:
        ready = ctx.store.has_schema
    except Exception as exc:  # any database failure means "not ready"
        return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
    if not ready:
        return JSONResponse({"status": "error", "database": "not migrated"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
