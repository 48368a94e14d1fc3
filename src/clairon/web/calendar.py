"""The calendar: week and month views in the workspace's time zone.

Days are local calendar days: a day's UTC range is from its local midnight to the next local
midnight, computed with zoneinfo, so a DST day is 23 or 25 hours long and a post at 09:30
local time stays at 09:30 whatever the offset."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from clairon.domain import Variant
from clairon.errors import ValidationFailed
from clairon.services import accounts, scheduling, workspaces
from clairon.web.rendering import CurrentUser, WebRoute, context_of, render

__all__ = ["CalendarDay", "day_range", "group_by_day", "month_days", "router", "week_days"]

router = APIRouter(route_class=WebRoute)


@dataclass
class CalendarDay:
    day: date
    in_month: bool = True
    is_today: bool = False
    variants: list[Variant] = field(default_factory=list)


def week_days(anchor: date) -> list[date]:
    """Monday to Sunday of the week containing ``anchor``."""
    monday = anchor - timedelta(days=anchor.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def month_days(anchor: date) -> list[date]:
    """Whole weeks (Monday first) covering the month of ``anchor``."""
    first = anchor.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    start = first - timedelta(days=first.weekday())
    last = next_month - timedelta(days=1)
    end = last + timedelta(days=6 - last.weekday())
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def day_range(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC bounds from local midnight of ``first`` to local midnight after ``last``."""
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def group_by_day(
    days: Sequence[date], variants: Sequence[Variant], tz: ZoneInfo, *, month: int | None = None
) -> list[CalendarDay]:
    """One cell per day with its variants, in local time order."""
    today = datetime.now(tz).date()
    cells = {
        d: CalendarDay(d, in_month=month is None or d.month == month, is_today=d == today)
        for d in days
    }
    for v in sorted(variants, key=lambda v: v.scheduled_at or datetime.max.replace(tzinfo=UTC)):
        if v.scheduled_at is None:
            continue
        local_day = v.scheduled_at.astimezone(tz).date()
        if local_day in cells:
            cells[local_day].variants.append(v)
    return [cells[d] for d in days]


def _parse_day(value: str, tz: ZoneInfo) -> date:
    if not value:
        return datetime.now(tz).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"'{value}' is not a date (YYYY-MM-DD)", "day") from None


@router.get("/w/{workspace_id}/calendar")
def calendar_page(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    view: Annotated[str, Query(pattern="^(week|month)$")] = "week",
    day: Annotated[str, Query()] = "",
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    tz = ZoneInfo(ws.timezone)
    anchor = _parse_day(day, tz)
    if view == "month":
        days = month_days(anchor)
        first_of_month = anchor.replace(day=1)
        prev_day = (first_of_month - timedelta(days=1)).replace(day=1)
        next_day = (first_of_month + timedelta(days=32)).replace(day=1)
        title = anchor.strftime("%B %Y")
    else:
        days = week_days(anchor)
        prev_day, next_day = anchor - timedelta(days=7), anchor + timedelta(days=7)
        title = f"Week of {days[0].strftime('%d %b')} – {days[-1].strftime('%d %b %Y')}"
    start, end = day_range(days[0], days[-1], tz)
    variants = scheduling.calendar(ctx, me.actor, workspace_id, start, end)
    cells = group_by_day(days, variants, tz, month=anchor.month if view == "month" else None)
    account_list = accounts.list_accounts(ctx, me.actor, ws.id)
    account_names = {a.id: f"{a.network} · {a.handle}" for a in account_list}
    zone_names = sorted({datetime.combine(d, time(12), tzinfo=tz).tzname() or "" for d in days})
    return render(
        request,
        "calendar.html",
        me=me,
        workspace=ws,
        view=view,
        cells=cells,
        weeks=[cells[i : i + 7] for i in range(0, len(cells), 7)],
        title=title,
        anchor=anchor,
        prev_day=prev_day,
        next_day=next_day,
        tz=ws.timezone,
        zone_names=" / ".join(z for z in zone_names if z),
        account_names=account_names,
        handles={a.id: a.handle for a in account_list},
        total=len(variants),
    )
