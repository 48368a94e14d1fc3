"""The review queue: posts waiting for approval; approve, or reject with a comment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from clairon.domain import VariantStatus
from clairon.errors import ValidationFailed
from clairon.services import accounts, posts, workspaces
from clairon.web.rendering import CurrentUser, WebRoute, context_of, flash, redirect, render

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)


def _back(request: Request, post_id: int, back: str) -> Response:
    return redirect(request, back if back.startswith("/w/") else f"/posts/{post_id}")


@router.get("/w/{workspace_id}/review")
def review_queue(request: Request, me: CurrentUser, workspace_id: int) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    waiting, total = posts.list_posts(
        ctx, me.actor, ws.id, status=VariantStatus.in_review, limit=100
    )
    account_names = {
        a.id: f"{a.network} · {a.handle}" for a in accounts.list_accounts(ctx, me.actor, ws.id)
    }
    return render(
        request,
        "review.html",
        me=me,
        workspace=ws,
        waiting=waiting,
        total=total,
        account_names=account_names,
        can_approve=me.can(ws.id, "approve"),
    )


@router.post("/posts/{post_id}/approve")
def approve(
    request: Request,
    me: CurrentUser,
    post_id: int,
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    posts.approve_post(context_of(request), me.actor, post_id, comment.strip())
    flash(request, "Post approved: it can be scheduled now.", "success")
    return _back(request, post_id, back)


@router.post("/posts/{post_id}/reject")
def reject(
    request: Request,
    me: CurrentUser,
    post_id: int,
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    try:
        posts.reject_post(context_of(request), me.actor, post_id, comment)
    except ValidationFailed as exc:
        flash(request, f"Not rejected: {exc}", "error")
        return _back(request, post_id, back)
    flash(request, "Post sent back to its author with your comment.", "success")
    return _back(request, post_id, back)
