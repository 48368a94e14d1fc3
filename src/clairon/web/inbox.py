"""The inbox: comments and mentions collected from the networks, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from clairon.services import accounts, inbox, workspaces
from clairon.web.rendering import CurrentUser, WebRoute, context_of, render

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)

PAGE = 50


@router.get("/w/{workspace_id}/inbox")
def inbox_page(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    status: Annotated[str, Query(pattern="^(open|done|hidden|all)$")] = "open",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    items, total = inbox.list_inbox(
        ctx,
        me.actor,
        ws.id,
        status=None if status == "all" else status,
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )
    account_names = {
        a.id: f"{a.network} · {a.handle}" for a in accounts.list_accounts(ctx, me.actor, ws.id)
    }
    return render(
        request,
        "inbox.html",
        me=me,
        workspace=ws,
        items=items,
        total=total,
        status=status,
        page=page,
        pages=max(1, -(-total // PAGE)),
        account_names=account_names,
    )
