"""The inbox: comments and mentions collected from the networks, newest first; mark an item
done, hide it or reopen it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from clairon.services import accounts, inbox, workspaces
from clairon.web.rendering import CurrentUser, WebRoute, context_of, flash, redirect, render

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)

PAGE = 50


SENTIMENTS = ("negative", "neutral", "positive", "unknown")
INTENTS = ("question", "complaint", "praise", "purchase_intent", "support_request", "other")


@router.get("/w/{workspace_id}/inbox")
def inbox_page(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    status: Annotated[str, Query(pattern="^(open|done|hidden|all)$")] = "open",
    page: Annotated[int, Query(ge=1)] = 1,
    network: str = "",
    sentiment: Annotated[str, Query(pattern="^(|negative|neutral|positive|unknown)$")] = "",
    intent: str = "",
    min_priority: Annotated[int | None, Query(ge=0, le=100)] = None,
    sort: Annotated[str, Query(pattern="^(newest|priority)$")] = "newest",
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    where = inbox.InboxFilter(
        status=None if status == "all" else status,
        network=network or None,
        sentiment=sentiment or None,
        intent=intent if intent in INTENTS else None,
        min_priority=min_priority,
        sort=sort,
    )
    items, total = inbox.list_inbox(
        ctx, me.actor, ws.id, limit=PAGE, offset=(page - 1) * PAGE, where=where
    )
    networks = sorted({a.network for a in accounts.list_accounts(ctx, me.actor, ws.id)})
    filters = {
        "status": status,
        "network": network,
        "sentiment": sentiment,
        "intent": intent,
        "min_priority": "" if min_priority is None else str(min_priority),
        "sort": sort,
    }
    query = urlencode({k: v for k, v in filters.items() if v})
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
        filters=filters,
        query=query,
        networks=networks,
        sentiments=SENTIMENTS,
        intents=INTENTS,
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
    return redirect(request, f"/w/{item.workspace_id}/inbox?{_safe_query(back)}")


def _safe_query(back: str) -> str:
    """The filters to return to (a query string we built; anything else → open items)."""
    if back in ("open", "done", "hidden", "all"):
        return f"status={back}"
    if back and all(ch.isalnum() or ch in "=&_-" for ch in back):
        return back
    return "status=open"


@router.post("/w/{workspace_id}/inbox/bulk")
def bulk(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    status: Annotated[str, Form()],
    item_ids: Annotated[list[int] | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    ctx = context_of(request)
    workspaces.get_workspace(ctx, me.actor, workspace_id)
    if not item_ids:
        flash(request, "Select at least one item.", "error")
    else:
        count = inbox.bulk_set_status(ctx, me.actor, item_ids, status)
        flash(request, f"Marked {count} item(s) {status}.", "success")
    return redirect(request, f"/w/{workspace_id}/inbox?{_safe_query(back)}")
