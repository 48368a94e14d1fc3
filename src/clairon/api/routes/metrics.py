"""Engagement metrics of a variant over time."""

from __future__ import annotations

from fastapi import APIRouter

from clairon.api.deps import CtxDep, CurrentActor
from clairon.api.schemas import MetricOut
from clairon.services import metrics

__all__ = ["router"]

router = APIRouter(tags=["metrics"])


@router.get("/variants/{variant_id}/metrics", response_model=list[MetricOut])
def variant_metrics(variant_id: int, ctx: CtxDep, actor: CurrentActor) -> list[MetricOut]:
    """Every snapshot recorded for the variant, oldest first."""
    return [MetricOut.model_validate(m) for m in metrics.metrics_of(ctx, actor, variant_id)]
