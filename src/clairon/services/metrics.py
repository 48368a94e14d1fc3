"""Engagement metrics per variant over time."""

from __future__ import annotations

from collections.abc import Sequence

from clairon.domain import Action, MetricSnapshot
from clairon.errors import NotFound, ValidationFailed
from clairon.services.context import SYSTEM, Actor, Context, audit, authorize
from clairon.store import metrics as repo
from clairon.store import posts as post_repo

__all__ = ["metrics_of", "record_metrics"]


def record_metrics(
    ctx: Context, snapshots: Sequence[MetricSnapshot], *, actor: Actor = SYSTEM
) -> int:
    checked: list[MetricSnapshot] = []
    with ctx.store.transaction() as conn:
        workspaces: set[int] = set()
        for i, s in enumerate(snapshots):
            if s.observed_at.tzinfo is None:
                raise ValidationFailed("must be time-zone aware", f"snapshots[{i}].observed_at")
            variant = post_repo.get_variant(conn, s.variant_id)
            if variant is None:
                raise NotFound(f"variant {s.variant_id} not found")
            if variant.workspace_id not in workspaces:
                authorize(conn, actor, variant.workspace_id, Action.analyse)
                workspaces.add(variant.workspace_id)
            checked.append(s)
        repo.insert_snapshots(conn, checked)
        for ws in workspaces:
            audit(
                conn,
                ctx,
                actor,
                ws,
                "metrics.record",
                "workspace",
                ws,
                after={"snapshots": len(checked)},
            )
    return len(checked)


def metrics_of(ctx: Context, actor: Actor, variant_id: int) -> list[MetricSnapshot]:
    with ctx.store.transaction() as conn:
        variant = post_repo.get_variant(conn, variant_id)
        if variant is None:
            raise NotFound(f"variant {variant_id} not found")
        authorize(conn, actor, variant.workspace_id, Action.read)
        return repo.snapshots_of(conn, variant_id)
