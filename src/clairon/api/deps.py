"""Dependencies shared by the routes: the services context and the acting user.

The actor comes from an ``Authorization: Bearer <token>`` API token, or else from the web
session: the web layer's middleware puts the logged-in user's id in ``request.state.user_id``
(and is responsible for CSRF on those requests).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from clairon.services import users
from clairon.services.context import Actor, Context

__all__ = ["CtxDep", "CurrentActor", "Paging", "PagingDep", "get_actor", "get_ctx"]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


CtxDep = Annotated[Context, Depends(get_ctx)]


def get_actor(request: Request, ctx: CtxDep) -> Actor:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "use 'Authorization: Bearer <token>'", headers=_CHALLENGE)
        user = users.user_for_token(ctx, token.strip())
        if user is None:
            raise HTTPException(401, "invalid or revoked API token", headers=_CHALLENGE)
        return Actor(user.id, user.email)
    session_user = getattr(request.state, "user_id", None)
    if isinstance(session_user, int):
        return Actor(session_user)
    raise HTTPException(
        401, "authentication required: send 'Authorization: Bearer <token>'", headers=_CHALLENGE
    )


CurrentActor = Annotated[Actor, Depends(get_actor)]


class Paging:
    """``?limit=&offset=`` with bounds, shared by every paginated list."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=200, description="Items per page.")] = 50,
        offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]
