"""Best time to post: a per-account heat map of expected engagement by local weekday and hour,
the recommended slots of a week with their explanations, and "next best slot" for a post."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from starlette.responses import Response

from clairon.errors import NotFound, ValidationFailed
from clairon.services import accounts, planning, posts, workspaces
from clairon.web.rendering import CurrentUser, WebRoute, context_of, flash, redirect, render

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)

BUCKETS = 8


def _bucket(value: float, low: float, high: float) -> int:
    if high <= low:
        return BUCKETS // 2
    return max(0, min(BUCKETS - 1, int((value - low) / (high - low) * BUCKETS)))


@router.get("/w/{workspace_id}/best-time")
def best_time(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    account_id: int | None = None,
    week: str = "",
    posts_per_week: int = 3,
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    account_list = accounts.list_accounts(ctx, me.actor, ws.id)
    if not account_list:
        return render(request, "besttime.html", me=me, workspace=ws, accounts=[], plan=None)
    chosen = next((a for a in account_list if a.id == account_id), account_list[0])
    tz = ZoneInfo(ws.timezone)
    today = datetime.now(tz).date()
    try:
        week_start = date.fromisoformat(week) if week else today - timedelta(days=today.weekday())
    except ValueError:
        raise ValidationFailed(f"'{week}' is not a date (YYYY-MM-DD)", "week") from None
    plan = planning.recommend_for_account(
        ctx, me.actor, chosen.id, week_start, max(1, min(posts_per_week, 21))
    )
    heat = plan.heat_map
    cells = [value for row in heat.relative for value in row]
    low, high = (min(cells), max(cells)) if cells else (0.0, 1.0)
    rows = [
        (
            day,
            [
                (hour, value, lo, hi, _bucket(value, low, high))
                for hour, value, lo, hi in zip(heat.hours, vals, lows, highs, strict=True)
            ],
        )
        for day, vals, lows, highs in zip(
            heat.weekdays, heat.relative, heat.lower, heat.upper, strict=True
        )
    ]
    return render(
        request,
        "besttime.html",
        me=me,
        workspace=ws,
        accounts=account_list,
        chosen=chosen,
        plan=plan,
        rows=rows,
        hours=heat.hours,
        heat_zone=heat.timezone,
        week_start=week_start,
        prev_week=(week_start - timedelta(weeks=1)).isoformat(),
        next_week=(week_start + timedelta(weeks=1)).isoformat(),
        posts_per_week=posts_per_week,
        buckets=BUCKETS,
    )


@router.get("/posts/{post_id}/next-best-slot")
def next_best_slot(request: Request, me: CurrentUser, post_id: int) -> Response:
    """Suggest the best slot still ahead for the post's first account (this week or next)."""
    ctx = context_of(request)
    post = posts.get_post(ctx, me.actor, post_id)
    ws = workspaces.get_workspace(ctx, me.actor, post.workspace_id)
    if not post.variants:
        raise NotFound("the post has no variant to schedule")
    tz = ZoneInfo(ws.timezone)
    today = datetime.now(tz).date()
    for offset in (0, 1):
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        plan = planning.recommend_for_account(ctx, me.actor, post.variants[0].account_id, start, 1)
        if plan.slots:
            slot = plan.slots[0]
            local = slot.start_utc.astimezone(tz)
            flash(request, f"Suggested: {slot.explanation}", "info")
            return redirect(request, f"/posts/{post_id}?suggest={local:%Y-%m-%dT%H:%M}")
    flash(request, "No slot left to suggest in the next two weeks.", "error")
    return redirect(request, f"/posts/{post_id}")
