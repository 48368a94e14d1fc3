"""Best time to post and the editorial planner, on the workspace's own data.

The model is pure (``clairon.scheduling``); this module feeds it each account's published
history (latest metric snapshot per post), the audience declared in the workspace settings, the
posts already on the calendar (kept as locks) and the pool of approved posts to place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from clairon.domain import Action, SocialAccount, Variant
from clairon.errors import NotFound, ValidationFailed
from clairon.scheduling import PastPost, WeekPlan, recommend_week
from clairon.services.context import Actor, Context, authorize
from clairon.services.scheduling import schedule_variant
from clairon.store import accounts as account_repo
from clairon.store import metrics as metric_repo
from clairon.store import posts as post_repo
from clairon.store import workspaces as ws_repo

__all__ = [
    "PlanResult",
    "PlannedItem",
    "account_history",
    "apply_plan",
    "plan_workspace",
    "recommend_for_account",
]

DEFAULT_CADENCE = 3  # posts per week per account when none is given


@dataclass(frozen=True)
class PlannedItem:
    variant_id: int
    account_id: int
    account: str
    network: str
    start_utc: datetime
    local_label: str
    explanation: str
    is_experiment: bool
    text: str


@dataclass
class PlanResult:
    items: list[PlannedItem] = field(default_factory=list)
    unplaced: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def account_history(ctx: Context, account_id: int) -> list[PastPost]:
    with ctx.store.transaction() as conn:
        rows = metric_repo.published_history(conn, account_id)
    return [
        PastPost(
            published_at=published,
            impressions=float(s.impressions) or None,
            reach=float(s.reach) or None,
            reactions=float(s.reactions),
            comments=float(s.comments),
            shares=float(s.shares),
            clicks=float(s.clicks),
            observed_at=s.observed_at,
        )
        for published, s in rows
    ]


def _audience(settings: Mapping[str, object], timezone: str) -> dict[str, float]:
    declared = settings.get("audience")
    if isinstance(declared, dict) and declared:
        return {str(k): float(v) for k, v in declared.items()}
    return {timezone: 1.0}


def _profile_network(account: SocialAccount) -> str:
    """The network whose published curves are the prior (an outbox account may say which
    network it stands in for with the ``audience_network`` setting)."""
    return str(account.settings.get("audience_network") or account.network)


def recommend_for_account(
    ctx: Context,
    actor: Actor,
    account_id: int,
    week_start: date,
    posts: int,
    *,
    explore: bool = False,
    min_gap_hours: float = 3.0,
    locked: Sequence[datetime] = (),
    avoid_utc: Sequence[datetime] = (),
    blackout: Sequence[date] = (),
    rejected: Sequence[datetime] = (),
) -> WeekPlan:
    with ctx.store.transaction() as conn:
        account = account_repo.get_account(conn, account_id)
        if account is None:
            raise NotFound(f"account {account_id} not found")
        authorize(conn, actor, account.workspace_id, Action.read)
        ws = ws_repo.get_workspace(conn, account.workspace_id)
    assert ws is not None
    return recommend_week(
        account_history(ctx, account_id),
        network=_profile_network(account),
        audience=_audience(ws.settings, ws.timezone),
        week_start=week_start,
        posts=posts,
        min_gap_hours=min_gap_hours,
        explore=explore,
        home_timezone=ws.timezone,
        now=ctx.now(),
        locked=locked,
        avoid_utc=avoid_utc,
        blackout_dates=blackout,
        rejected=rejected,
    )


def _locked_item(
    variant: Variant, account: SocialAccount, at: datetime, tz: ZoneInfo
) -> PlannedItem:
    local = at.astimezone(tz)
    offset = local.strftime("%z")
    label = f"{local:%A %H:%M} (UTC{offset[0]}{offset[1:3]}:{offset[3:5]})"
    return PlannedItem(
        variant_id=variant.id,
        account_id=account.id,
        account=account.handle,
        network=account.network,
        start_utc=at,
        local_label=label,
        explanation="Locked by you at this time; the other posts are planned around it.",
        is_experiment=False,
        text=variant.text,
    )


def plan_workspace(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    start: date,
    weeks: int,
    *,
    cadence: Mapping[str, int] | None = None,
    blackout: Sequence[date] = (),
    avoid_collisions: bool = False,
    explore: bool = False,
    min_gap_hours: float = 3.0,
    locked: Mapping[int, datetime] | None = None,
    rejected: Mapping[int, Sequence[datetime]] | None = None,
) -> PlanResult:
    """Place the approved, unscheduled posts on the best slots of the coming weeks.

    ``cadence`` maps a network (or ``network:handle``) to posts per week; posts already
    scheduled count toward it and are kept where they are.

    ``locked`` maps a variant of the pool to the instant the user fixed (or moved) it to: it
    is placed exactly there and counts toward its account's cadence and spacing. ``rejected``
    maps an account to instants never to propose for it again. Re-planning is calling this
    again with the new locks and rejections."""
    if not 1 <= weeks <= 12:
        raise ValidationFailed("must be between 1 and 12", "weeks")
    for key, value in (cadence or {}).items():
        if not 0 <= value <= 50:
            raise ValidationFailed(
                f"{value} posts per week is not between 0 and 50", f"cadence.{key}"
            )
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.schedule)
        ws = ws_repo.get_workspace(conn, workspace_id)
        assert ws is not None
        accounts = {a.id: a for a in account_repo.list_accounts(conn, workspace_id)}
        pool = post_repo.approved_unscheduled(conn, workspace_id)
        tz = ZoneInfo(ws.timezone)
        begin = datetime.combine(start, datetime.min.time(), tz)
        end = begin + timedelta(weeks=weeks)
        calendar = post_repo.list_variants_in_range(conn, workspace_id, begin, end)
    result = PlanResult()
    queues: dict[int, list[Variant]] = {}
    for v in pool:
        queues.setdefault(v.account_id, []).append(v)
    taken = [v.scheduled_at for v in calendar if v.scheduled_at is not None]
    waiting = {v.id: v for v in pool}
    pinned: dict[int, list[datetime]] = {}  # account id -> the user's locked instants
    if any(at.tzinfo is None for at in (locked or {}).values()):
        raise ValidationFailed("must include a time zone offset (or be UTC)", "locked")
    for variant_id, at in sorted((locked or {}).items(), key=lambda kv: kv[1]):
        variant = waiting.get(variant_id)
        if variant is None:
            result.notes.append(f"post variant {variant_id} is no longer waiting to be planned")
            continue
        queues[variant.account_id].remove(variant)
        pinned.setdefault(variant.account_id, []).append(at)
        taken.append(at)
        result.items.append(_locked_item(variant, accounts[variant.account_id], at, tz))
    gap = timedelta(hours=min_gap_hours)
    for week in range(weeks):
        week_start = start + timedelta(weeks=week)
        w_begin = datetime.combine(week_start, datetime.min.time(), tz)
        w_end = w_begin + timedelta(weeks=1)
        for account_id, queue in queues.items():
            if not queue:
                continue
            account = accounts[account_id]
            per_week = (cadence or {}).get(
                f"{account.network}:{account.handle}",
                (cadence or {}).get(account.network, DEFAULT_CADENCE),
            )
            own = pinned.get(account_id, [])
            kept = [
                v.scheduled_at
                for v in calendar
                if v.account_id == account_id
                and v.scheduled_at is not None
                and w_begin <= v.scheduled_at < w_end
            ] + [t for t in own if w_begin <= t < w_end]
            # The user's locks just across the week's edges constrain spacing, not cadence.
            nearby = [t for t in own if w_begin - gap < t < w_begin or w_end <= t < w_end + gap]
            wanted = min(per_week, len(kept) + len(queue))
            if wanted <= len(kept):
                continue
            others = [t for t in taken if t not in kept] if avoid_collisions else []
            plan = recommend_for_account(
                ctx,
                actor,
                account_id,
                week_start,
                wanted + len(nearby),
                explore=explore,
                min_gap_hours=min_gap_hours,
                locked=[*kept, *nearby],
                avoid_utc=others,
                blackout=blackout,
                rejected=(rejected or {}).get(account_id, ()),
            )
            if plan.fallback_to_priors and week == 0:
                result.notes.append(f"{account.handle}: {plan.summary}")
            for slot in plan.slots:
                if slot.start_utc in kept or not queue:
                    continue
                variant = queue.pop(0)
                taken.append(slot.start_utc)
                result.items.append(
                    PlannedItem(
                        variant_id=variant.id,
                        account_id=account_id,
                        account=account.handle,
                        network=account.network,
                        start_utc=slot.start_utc,
                        local_label=slot.local_label,
                        explanation=slot.explanation,
                        is_experiment=slot.is_experiment,
                        text=variant.text,
                    )
                )
    result.unplaced = [v.id for queue in queues.values() for v in queue]
    result.items.sort(key=lambda item: item.start_utc)
    return result


def apply_plan(ctx: Context, actor: Actor, plan: PlanResult) -> list[Variant]:
    """Schedule every planned item (each through the normal scheduling checks)."""
    return [schedule_variant(ctx, actor, item.variant_id, item.start_utc) for item in plan.items]
