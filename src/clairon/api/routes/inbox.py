"""The inbox: comments, replies and mentions gathered from the networks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from clairon.api.deps import CtxDep, CurrentActor, PagingDep
from clairon.api.schemas import InboxItemOut, InboxStatusIn, Page
from clairon.services import inbox

__all__ = ["router"]

router = APIRouter(tags=["inbox"])


@router.get("/workspaces/{workspace_id}/inbox", response_model=Page[InboxItemOut])
def list_inbox(
    workspace_id: int,
    ctx: CtxDep,
    actor: CurrentActor,
    paging: PagingDep,
    response: Response,
    status: Annotated[str | None, Query(description="open, done, hidden or deleted.")] = None,
    variant_id: Annotated[int | None, Query(description="Only comments on this variant.")] = None,
) -> Page[InboxItemOut]:
    items, total = inbox.list_inbox(
        ctx,
        actor,
        workspace_id,
        status=status,
        variant_id=variant_id,
        limit=paging.limit,
        offset=paging.offset,
    )
    response.headers["X-Total-Count"] = str(total)
    return Page[InboxItemOut](
        items=[InboxItemOut.model_validate(i) for i in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.patch("/inbox/{item_id}", response_model=InboxItemOut)
def set_status(item_id: int, body: InboxStatusIn, ctx: CtxDep, actor: CurrentActor) -> InboxItemOut:
    """Mark an item done, hidden, deleted or open again."""
    return InboxItemOut.model_validate(inbox.set_item_status(ctx, actor, item_id, body.status))
