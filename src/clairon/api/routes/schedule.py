"""Scheduling: put a post or one variant on the calendar, or take it off."""

from __future__ import annotations

from fastapi import APIRouter

from clairon.api.deps import CtxDep, CurrentActor
from clairon.api.schemas import ScheduleIn, VariantOut
from clairon.services import scheduling

__all__ = ["router"]

router = APIRouter(tags=["schedule"])


@router.post("/posts/{post_id}/schedule", response_model=list[VariantOut])
def schedule_post(
    post_id: int, body: ScheduleIn, ctx: CtxDep, actor: CurrentActor
) -> list[VariantOut]:
    """Schedule every variant of the post that is ready (all or nothing)."""
    variants = scheduling.schedule_post(ctx, actor, post_id, body.scheduled_at)
    return [VariantOut.model_validate(v) for v in variants]


@router.post("/variants/{variant_id}/schedule", response_model=VariantOut)
def schedule_variant(
    variant_id: int, body: ScheduleIn, ctx: CtxDep, actor: CurrentActor
) -> VariantOut:
    variant = scheduling.schedule_variant(ctx, actor, variant_id, body.scheduled_at)
    return VariantOut.model_validate(variant)


@router.post("/variants/{variant_id}/cancel", response_model=VariantOut)
def cancel_variant(variant_id: int, ctx: CtxDep, actor: CurrentActor) -> VariantOut:
    """Take a scheduled variant off the calendar (back to approved)."""
    return VariantOut.model_validate(scheduling.cancel_variant(ctx, actor, variant_id))
