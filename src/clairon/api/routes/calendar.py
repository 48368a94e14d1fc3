"""The calendar: scheduled variants in a time range."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from clairon.api.deps import CtxDep, CurrentActor
from clairon.api.schemas import VariantOut
from clairon.services import scheduling

__all__ = ["router"]

router = APIRouter(tags=["calendar"])


@router.get("/workspaces/{workspace_id}/calendar", response_model=list[VariantOut])
def calendar(
    workspace_id: int,
    start: Annotated[AwareDatetime, Query(description="Range start (inclusive), with offset.")],
    end: Annotated[AwareDatetime, Query(description="Range end (exclusive), with offset.")],
    ctx: CtxDep,
    actor: CurrentActor,
    account_id: Annotated[
        list[int] | None, Query(description="Only these accounts (repeatable).")
    ] = None,
) -> list[VariantOut]:
    """Variants scheduled in ``[start, end)``, in time order (at most 400 days)."""
    variants = scheduling.calendar(
        ctx, actor, workspace_id, start, end, account_ids=account_id or None
    )
    return [VariantOut.model_validate(v) for v in variants]
