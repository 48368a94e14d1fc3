"""The inbox: comments and mentions collected from the networks, newest first; mark an item
done, hide it or reopen it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from clairon.services import accounts, inbox, workspaces
from clairon.web.rendering import CurrentUser, WebRoute, context_of, flash, redirect, render

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
        can_engage=me.can(ws.id, "engage"),
    )


@router.post("/inbox/{item_id}/status")
def set_status(
    request: Request,
    me: CurrentUser,
    item_id: int,
    status: Annotated[str, Form()],
    back: Annotated[str, Form()] = "open",
) -> Response:
    item = inbox.set_item_status(context_of(request), me.actor, item_id, status)
    flash(request, f"Marked {status}.", "success")
    shown = back if back in ("open", "done", "hidden", "all") else "open"
    return redirect(request, f"/w/{item.workspace_id}/inbox?status={shown}")
