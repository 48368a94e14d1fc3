"""The posts list; a post's page (variants with status, network id/URL or error, history);
its actions: submit for review, schedule at a local time, cancel a scheduled variant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from clairon.domain import VariantStatus
from clairon.domain.lifecycle import EDITABLE
from clairon.errors import ValidationFailed
from clairon.services import accounts, history, posts, scheduling, workspaces
from clairon.web.rendering import CurrentUser, WebRoute, context_of, flash, redirect, render

__all__ = ["local_to_utc", "router"]

router = APIRouter(route_class=WebRoute)


def local_to_utc(value: str, tz: ZoneInfo) -> datetime:
    """A ``datetime-local`` value (wall time in the workspace's zone) as UTC.

    A wall time skipped by a DST change does not exist and is refused; an ambiguous one (the
    repeated hour in autumn) is the first occurrence."""
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            f"'{value}' is not a date and time (YYYY-MM-DDTHH:MM)", "scheduled_at"
        ) from None
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    local = naive.replace(tzinfo=tz)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != naive:
        raise ValidationFailed(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks change then)",
            "scheduled_at",
        )
    return as_utc


PAGE = 50
STATUS_FILTERS = ("all", *(s.value for s in VariantStatus))


@router.get("/w/{workspace_id}/posts")
def post_list(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    status: Annotated[str, Query()] = "all",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    if status not in STATUS_FILTERS:
        raise ValidationFailed(f"'{status}' is not one of {', '.join(STATUS_FILTERS)}", "status")
    found, total = posts.list_posts(
        ctx,
        me.actor,
        ws.id,
        status=None if status == "all" else VariantStatus(status),
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )
    return render(
        request,
        "posts.html",
        me=me,
        workspace=ws,
        posts=found,
        total=total,
        status=status,
        statuses=STATUS_FILTERS,
        page=page,
        pages=max(1, -(-total // PAGE)),
        tz=ws.timezone,
    )


@router.get("/posts/{post_id}")
def post_page(request: Request, me: CurrentUser, post_id: int) -> Response:
    ctx = context_of(request)
    post = posts.get_post(ctx, me.actor, post_id)
    ws = workspaces.get_workspace(ctx, me.actor, post.workspace_id)
    account_names = {
        a.id: f"{a.network} · {a.handle}" for a in accounts.list_accounts(ctx, me.actor, ws.id)
    }
    statuses = {v.status for v in post.variants}
    ready = {VariantStatus.approved, VariantStatus.failed}
    if not ws.require_approval:
        ready |= {VariantStatus.draft, VariantStatus.in_review}
    tz = ZoneInfo(ws.timezone)
    default_when = (datetime.now(tz) + timedelta(hours=1)).replace(minute=0, second=0)
    return render(
        request,
        "post.html",
        me=me,
        workspace=ws,
        post=post,
        account_names=account_names,
        history=history.post_history(ctx, me.actor, post.id),
        can_submit=VariantStatus.draft in statuses and me.can(ws.id, "compose"),
        can_review=VariantStatus.in_review in statuses and me.can(ws.id, "approve"),
        can_schedule=bool(statuses & ready) and me.can(ws.id, "schedule"),
        can_cancel=me.can(ws.id, "schedule"),
        can_edit=me.can(ws.id, "compose"),
        editable=EDITABLE,
        default_when=request.query_params.get("suggest") or default_when.strftime("%Y-%m-%dT%H:%M"),
        tz=ws.timezone,
    )


@router.post("/posts/{post_id}/submit")
def submit(
    request: Request, me: CurrentUser, post_id: int, comment: Annotated[str, Form()] = ""
) -> Response:
    posts.submit_for_review(context_of(request), me.actor, post_id, comment.strip())
    flash(request, "Post sent for review.", "success")
    return redirect(request, f"/posts/{post_id}")


@router.post("/posts/{post_id}/schedule")
def schedule(
    request: Request,
    me: CurrentUser,
    post_id: int,
    scheduled_at: Annotated[str, Form()] = "",
) -> Response:
    ctx = context_of(request)
    post = posts.get_post(ctx, me.actor, post_id)
    ws = workspaces.get_workspace(ctx, me.actor, post.workspace_id)
    try:
        at = local_to_utc(scheduled_at, ZoneInfo(ws.timezone))
        scheduling.schedule_post(ctx, me.actor, post_id, at)
    except ValidationFailed as exc:
        flash(request, f"Not scheduled: {exc}", "error")
        return redirect(request, f"/posts/{post_id}")
    local = at.astimezone(ZoneInfo(ws.timezone))
    flash(request, f"Scheduled for {local:%a %d %b %Y, %H:%M} {local.tzname()}.", "success")
    week = local.date().isoformat()
    return redirect(request, f"/w/{ws.id}/calendar?view=week&day={week}")


@router.post("/variants/{variant_id}/edit")
def edit(
    request: Request,
    me: CurrentUser,
    variant_id: int,
    body: Annotated[str, Form()] = "",
    post_id: Annotated[int, Form()] = 0,
) -> Response:
    try:
        variant = posts.edit_variant(context_of(request), me.actor, variant_id, text=body)
    except ValidationFailed as exc:
        flash(request, f"Not saved: {exc}", "error")
        return redirect(request, f"/posts/{post_id}")
    note = " It is a draft again: submit it for review." if variant.status == "draft" else ""
    flash(request, f"Text saved.{note}", "success")
    return redirect(request, f"/posts/{variant.post_id}")


@router.post("/variants/{variant_id}/cancel")
def cancel(request: Request, me: CurrentUser, variant_id: int) -> Response:
    variant = scheduling.cancel_variant(context_of(request), me.actor, variant_id)
    flash(request, "Schedule cancelled; the variant is approved again.", "success")
    return redirect(request, f"/posts/{variant.post_id}")
