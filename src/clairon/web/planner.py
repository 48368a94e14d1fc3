"""The editorial planner: the approved posts placed on each account's best slots for the coming
weeks, grouped by local day, with Lock, Move and Reject per slot and Re-plan around them; Apply
schedules the plan through the normal scheduling checks.

The page keeps no table of its own: the user's locks, moves and rejections travel in hidden
form fields (``lock`` = ``VARIANT@UTC``, ``reject`` = ``ACCOUNT@UTC``, ``slot`` =
``VARIANT@ACCOUNT@UTC`` for each proposed row) and every POST re-plans from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData, QueryParams
from starlette.responses import Response

from clairon.domain import VariantStatus, Workspace
from clairon.errors import ClaironError, ValidationFailed
from clairon.services import accounts, planning, posts, workspaces
from clairon.web.posts import local_to_utc
from clairon.web.rendering import (
    CurrentUser,
    Viewer,
    WebRoute,
    context_of,
    flash,
    redirect,
    render,
)

__all__ = ["PlannerState", "router"]

router = APIRouter(route_class=WebRoute)

MAX_WEEKS = 8


@dataclass
class PlannerState:
    """What the form says: the planning options and the user's locks and rejections."""

    start: date
    weeks: int = 2
    cadence: dict[str, int] = field(default_factory=dict)
    blackout: list[date] = field(default_factory=list)
    avoid_collisions: bool = False
    explore: bool = False
    locks: dict[int, datetime] = field(default_factory=dict)  # variant -> instant (UTC)
    rejected: dict[int, list[datetime]] = field(default_factory=dict)  # account -> instants
    shown: dict[int, tuple[int, datetime]] = field(default_factory=dict)  # variant -> slot

    @property
    def account_cadence_text(self) -> str:
        """The ``network:handle`` cadences (the form has one field per network only)."""
        return ",".join(f"{k}={v}" for k, v in sorted(self.cadence.items()) if ":" in k)

    @property
    def blackout_text(self) -> str:
        return ", ".join(d.isoformat() for d in self.blackout)

    @property
    def rejected_pairs(self) -> list[tuple[int, datetime]]:
        return sorted((a, t) for a, times in self.rejected.items() for t in times)


def _utc(value: str, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"'{value}' is not an ISO-8601 instant", where) from None
    if parsed.tzinfo is None:
        raise ValidationFailed(f"'{value}' has no time zone offset", where)
    return parsed.astimezone(UTC)


def _ids(value: str, parts: int, where: str) -> tuple[list[int], datetime]:
    pieces = value.split("@")
    if len(pieces) != parts + 1 or not all(p.isdigit() for p in pieces[:parts]):
        raise ValidationFailed(f"'{value}' is not a planner slot", where)
    return [int(p) for p in pieces[:parts]], _utc(pieces[parts], where)


def _day(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"'{value}' is not a date (YYYY-MM-DD)", where) from None


def _cadence(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        key, _, number = part.rpartition("=")
        if not key.strip() or not number.strip().isdigit():
            raise ValidationFailed(f"'{part}' is not NETWORK=POSTS_PER_WEEK", f"cadence[{i}]")
        out[key.strip()] = int(number)
    return out


def parse_state(values: QueryParams | FormData, today: date) -> PlannerState:
    """The planner options and the user's choices from a query string or a posted form."""

    def one(name: str) -> str:
        value = values.get(name)
        return value if isinstance(value, str) else ""

    def many(name: str) -> list[str]:
        return [v for v in values.getlist(name) if isinstance(v, str) and v.strip()]

    weeks_text = one("weeks").strip() or "2"
    if not weeks_text.isdigit() or not 1 <= int(weeks_text) <= MAX_WEEKS:
        raise ValidationFailed(f"'{weeks_text}' weeks is not between 1 and {MAX_WEEKS}", "weeks")
    cadence = _cadence(one("cadence"))
    for key in values:
        if key.startswith("per_week.") and one(key).strip():
            number = one(key).strip()
            if not number.isdigit():
                raise ValidationFailed(f"'{number}' is not a number of posts", key)
            cadence[key.removeprefix("per_week.")] = int(number)
    state = PlannerState(
        start=_day(one("from"), "from") if one("from").strip() else today,
        weeks=int(weeks_text),
        cadence=cadence,
        blackout=[_day(d, "blackout") for d in one("blackout").split(",") if d.strip()],
        avoid_collisions=one("avoid_collisions") in ("1", "on", "true"),
        explore=one("explore") in ("1", "on", "true"),
    )
    for value in many("lock"):
        (variant_id,), at = _ids(value, 1, "lock")
        state.locks[variant_id] = at
    for value in many("reject"):
        (account_id,), at = _ids(value, 1, "reject")
        if at not in state.rejected.setdefault(account_id, []):
            state.rejected[account_id].append(at)
    for value in many("slot"):
        (variant_id, account_id), at = _ids(value, 2, "slot")
        state.shown[variant_id] = (account_id, at)
    return state


def _shown_slot(state: PlannerState, variant_id: int) -> tuple[int, datetime]:
    if variant_id not in state.shown:
        raise ValidationFailed(f"post variant {variant_id} is not in the plan shown", "op")
    return state.shown[variant_id]


def apply_choice(
    state: PlannerState, op: str, move_to: str, tz: ZoneInfo, now: datetime
) -> str | None:
    """Apply one button of a row (lock, unlock, move, reject) to the state; returns what to
    tell the user. A move to a past time or to a wall time skipped by a DST change is refused
    (:class:`ValidationFailed`) and the state is left as it was."""
    verb, _, target = op.partition(":")
    if verb not in ("lock", "unlock", "move", "reject") or not target.isdigit():
        return None
    variant_id = int(target)
    if verb == "unlock":
        state.locks.pop(variant_id, None)
        return "Unlocked: the post is free to move again."
    account_id, at = _shown_slot(state, variant_id)
    if verb == "lock":
        state.locks[variant_id] = at
        return f"Locked at {at.astimezone(tz):%a %d %b %H:%M %Z}."
    if verb == "move":
        if not move_to.strip():
            raise ValidationFailed("choose a date and time to move the post to", "move")
        moved = local_to_utc(move_to, tz)
        if moved <= now:
            raise ValidationFailed(
                f"{moved.astimezone(tz):%a %d %b %Y %H:%M %Z} is in the past; "
                "choose a time still ahead",
                "move",
            )
        state.locks[variant_id] = moved
        return f"Moved to {moved.astimezone(tz):%a %d %b %H:%M %Z} and locked there."
    state.locks.pop(variant_id, None)
    if at not in state.rejected.setdefault(account_id, []):
        state.rejected[account_id].append(at)
    return f"{at.astimezone(tz):%a %d %b %H:%M %Z} will not be proposed for this account again."


def _plan(request: Request, me: Viewer, ws: Workspace, state: PlannerState) -> planning.PlanResult:
    return planning.plan_workspace(
        context_of(request),
        me.actor,
        ws.id,
        state.start,
        state.weeks,
        cadence=state.cadence,
        blackout=state.blackout,
        avoid_collisions=state.avoid_collisions,
        explore=state.explore,
        locked=state.locks,
        rejected=state.rejected,
    )


def _page(
    request: Request,
    me: Viewer,
    ws: Workspace,
    state: PlannerState,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    ctx = context_of(request)
    tz = ZoneInfo(ws.timezone)
    result = _plan(request, me, ws, state)
    days = [
        (day, list(items))
        for day, items in groupby(result.items, key=lambda i: i.start_utc.astimezone(tz).date())
    ]
    account_list = accounts.list_accounts(ctx, me.actor, ws.id)
    names = {a.id: f"{a.network} · {a.handle}" for a in account_list}
    waiting, _ = posts.list_posts(ctx, me.actor, ws.id, status=VariantStatus.approved, limit=500)
    texts = {v.id: (p.id, v.text) for p in waiting for v in p.variants}
    unplaced = [(vid, *texts.get(vid, (None, ""))) for vid in result.unplaced]
    networks = sorted({a.network for a in account_list})
    return render(
        request,
        "planner.html",
        me=me,
        workspace=ws,
        state=state,
        result=result,
        days=days,
        unplaced=unplaced,
        networks=networks,
        account_names=names,
        default_cadence=planning.DEFAULT_CADENCE,
        max_weeks=MAX_WEEKS,
        error=error,
        status_code=status_code,
    )


@router.get("/w/{workspace_id}/plan")
def plan_page(request: Request, me: CurrentUser, workspace_id: int) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    today = ctx.now().astimezone(ZoneInfo(ws.timezone)).date()
    return _page(request, me, ws, parse_state(request.query_params, today))


async def _form(request: Request) -> FormData:
    return await request.form()


@router.post("/w/{workspace_id}/plan")
def replan(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    form: Annotated[FormData, Depends(_form)],
) -> Response:
    """Every button of the page: a row's Lock/Unlock/Move/Reject, Re-plan, or Apply."""
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    tz = ZoneInfo(ws.timezone)
    state = parse_state(form, ctx.now().astimezone(tz).date())
    op = form.get("op")
    op = op if isinstance(op, str) else "replan"
    if op == "apply":
        return _apply(request, me, ws, state)
    target = op.partition(":")[2]
    move_to = form.get(f"move_{target}")
    move_text = move_to if isinstance(move_to, str) else ""
    try:
        message = apply_choice(state, op, move_text, tz, ctx.now())
    except ValidationFailed as exc:
        return _page(request, me, ws, state, error=str(exc), status_code=422)
    if message:
        flash(request, message)
    return _page(request, me, ws, state)


def _apply(request: Request, me: Viewer, ws: Workspace, state: PlannerState) -> Response:
    """Schedule exactly the plan the user saw (each shown slot locked), row by row, so one
    refused post (daily cap, approval) does not stop the others."""
    ctx = context_of(request)
    if not state.shown:
        flash(request, "Nothing to schedule: the plan is empty.", "error")
        return redirect(request, f"/w/{ws.id}/plan")
    state.locks = {vid: at for vid, (_, at) in state.shown.items()}
    result = _plan(request, me, ws, state)
    scheduled: list[int] = []
    refused: list[str] = []
    for item in result.items:
        if item.variant_id not in state.shown:
            continue
        try:
            planning.apply_plan(ctx, me.actor, planning.PlanResult(items=[item]))
            scheduled.append(item.variant_id)
        except ClaironError as exc:
            refused.append(f"{item.account} {item.local_label}: {exc}")
    if scheduled:
        flash(request, f"Scheduled {len(scheduled)} post(s) from the plan.", "info")
    for line in _first(refused, 5):
        flash(request, f"Not scheduled: {line}", "error")
    week = state.start - timedelta(days=state.start.weekday())
    return redirect(request, f"/w/{ws.id}/calendar?view=week&day={week.isoformat()}")


def _first(lines: Sequence[str], n: int) -> list[str]:
    return [*lines[: n - 1], f"{len(lines) - n + 1} more"] if len(lines) > n else list(lines)
