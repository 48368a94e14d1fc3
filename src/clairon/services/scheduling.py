"""Scheduling: put approved variants on the calendar, cancel, and read the calendar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection

from clairon.domain import Action, Variant, VariantStatus, check_transition
from clairon.errors import InvalidTransition, NotFound, Problem, ValidationFailed
from clairon.services.accounts import build_connector
from clairon.services.caps import DAY, exceeds_rolling_cap
from clairon.services.context import Actor, Context, audit, authorize
from clairon.store import accounts as account_repo
from clairon.store import jobs as job_repo
from clairon.store import posts as repo
from clairon.store import workspaces as ws_repo

__all__ = [
    "PUBLISH_JOB",
    "calendar",
    "cancel_variant",
    "publish_job_key",
    "schedule_post",
    "schedule_variant",
]

PUBLISH_JOB = "publish_variant"


def publish_job_key(variant_id: int) -> str:
    return f"publish:variant:{variant_id}"


def schedule_variant(ctx: Context, actor: Actor, variant_id: int, at: datetime) -> Variant:
    return schedule_variants(ctx, actor, [variant_id], at)[0]


def schedule_post(ctx: Context, actor: Actor, post_id: int, at: datetime) -> list[Variant]:
    """Schedule every approved (or, without approval policy, draft) variant of a post."""
    with ctx.store.transaction() as conn:
        post = repo.get_post(conn, post_id)
        if post is None:
            raise NotFound(f"post {post_id} not found")
        authorize(conn, actor, post.workspace_id, Action.read)
    ids = [
        v.id
        for v in post.variants
        if v.status in (VariantStatus.approved, VariantStatus.draft, VariantStatus.failed)
    ]
    if not ids:
        raise ValidationFailed("the post has no variant ready to schedule", "status")
    return schedule_variants(ctx, actor, ids, at)


def schedule_variants(
    ctx: Context, actor: Actor, variant_ids: Sequence[int], at: datetime
) -> list[Variant]:
    """All or nothing: every variant is checked before any is scheduled."""
    if at.tzinfo is None:
        raise ValidationFailed("must include a time zone offset (or be UTC)", "scheduled_at")
    now = ctx.now()
    if at < now - timedelta(seconds=5):
        raise ValidationFailed(
            f"{at.isoformat()} is in the past (now is {now.isoformat(timespec='seconds')})",
            "scheduled_at",
        )
    out: list[Variant] = []
    with ctx.store.transaction(write_lock=True) as conn:
        problems: list[Problem] = []
        found: list[Variant] = []
        for i, vid in enumerate(variant_ids):
            v = repo.get_variant(conn, vid)
            if v is None:
                raise NotFound(f"variant {vid} not found")
            authorize(conn, actor, v.workspace_id, Action.schedule)
            ws = ws_repo.get_workspace(conn, v.workspace_id)
            assert ws is not None
            allowed = {VariantStatus.approved, VariantStatus.failed, VariantStatus.scheduled}
            if not ws.require_approval:
                allowed |= {VariantStatus.draft, VariantStatus.in_review}
            if v.status not in allowed:
                hint = " (approval is required in this workspace)" if ws.require_approval else ""
                problems.append(
                    Problem(
                        f"variants[{i}].status",
                        f"variant {vid} is {v.status}; cannot be scheduled{hint}",
                    )
                )
            found.append(v)
        problems += _cap_problems(ctx, conn, found, at)
        if problems:
            raise ValidationFailed(problems)
        for v in found:
            if v.status != VariantStatus.scheduled:
                if v.status in (VariantStatus.draft, VariantStatus.in_review):
                    check_transition(v.status, VariantStatus.approved)
                else:
                    check_transition(v.status, VariantStatus.scheduled)
            repo.update_variant(
                conn,
                v.id,
                status=VariantStatus.scheduled.value,
                scheduled_at=at,
                updated_at=now,
                error=None,
            )
            job_repo.enqueue_job(
                conn,
                PUBLISH_JOB,
                {"variant_id": v.id},
                run_at=at,
                now=now,
                dedupe_key=publish_job_key(v.id),
                max_attempts=ctx.settings.worker_max_attempts,
            )
            audit(
                conn,
                ctx,
                actor,
                v.workspace_id,
                "variant.schedule",
                "variant",
                v.id,
                before={"status": v.status, "scheduled_at": v.scheduled_at},
                after={"status": VariantStatus.scheduled, "scheduled_at": at},
            )
            updated = repo.get_variant(conn, v.id)
            assert updated is not None
            out.append(updated)
    return out


def _cap_problems(
    ctx: Context, conn: Connection, found: Sequence[Variant], at: datetime
) -> list[Problem]:
    """The network's daily publish cap, per account, counting this batch too."""
    problems: list[Problem] = []
    planned: dict[int, list[datetime]] = {}
    for i, v in enumerate(found):
        account = account_repo.get_account(conn, v.account_id)
        if account is None:
            continue
        connector = build_connector(ctx, account)
        try:
            cap = connector.limits().daily_publish_cap
        finally:
            connector.close()
        if not cap:
            continue
        existing = repo.account_publish_times(
            conn, v.account_id, at - DAY, at + DAY, exclude=v.id
        ) + planned.get(v.account_id, [])
        if exceeds_rolling_cap(existing, at, cap):
            problems.append(
                Problem(
                    f"variants[{i}].scheduled_at",
                    f"{account.network} allows {cap} published posts per 24 hours for "
                    f"{account.handle}; this slot would exceed it (pick another time)",
                )
            )
        planned.setdefault(v.account_id, []).append(at)
    return problems


def cancel_variant(ctx: Context, actor: Actor, variant_id: int) -> Variant:
    with ctx.store.transaction(write_lock=True) as conn:
        v = repo.get_variant(conn, variant_id)
        if v is None:
            raise NotFound(f"variant {variant_id} not found")
        authorize(conn, actor, v.workspace_id, Action.schedule)
        if v.status != VariantStatus.scheduled:
            raise InvalidTransition(
                f"variant {v.id} is {v.status}, not scheduled: there is nothing to cancel"
            )
        if not repo.update_variant(
            conn,
            v.id,
            expect_status=VariantStatus.scheduled,
            status=VariantStatus.approved.value,
            scheduled_at=None,
            updated_at=ctx.now(),
        ):
            raise ValidationFailed(
                "the variant is being published and can no longer be cancelled", "status"
            )
        job_repo.cancel_job(conn, publish_job_key(v.id), ctx.now())
        audit(
            conn,
            ctx,
            actor,
            v.workspace_id,
            "variant.cancel",
            "variant",
            v.id,
            before={"status": v.status, "scheduled_at": v.scheduled_at},
            after={"status": VariantStatus.approved},
        )
        updated = repo.get_variant(conn, v.id)
    assert updated is not None
    return updated


def calendar(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    start: datetime,
    end: datetime,
    *,
    account_ids: Sequence[int] | None = None,
) -> list[Variant]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("start and end must be time-zone aware", "start")
    if end <= start:
        raise ValidationFailed("end must be after start", "end")
    if end - start > timedelta(days=400):
        raise ValidationFailed("a calendar range is at most 400 days", "end")
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        return repo.list_variants_in_range(conn, workspace_id, start, end, account_ids=account_ids)
