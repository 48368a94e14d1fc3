"""Drafting with AI: drafts for accounts, one draft streamed as it is written, accepting drafts
into a post (which then goes through review), and the workspace's brand voice."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from clairon.ai import AIError
from clairon.api.deps import CtxDep, CurrentActor
from clairon.api.draft_schemas import AcceptIn, DraftOut, DraftsIn, DraftStreamIn, draft_out
from clairon.api.schemas import PostOut
from clairon.content import BrandVoice, Draft
from clairon.errors import ClaironError
from clairon.services import drafting

__all__ = ["router"]

router = APIRouter(tags=["drafts"])

NDJSON = "application/x-ndjson"


@router.post("/workspaces/{workspace_id}/drafts", response_model=list[DraftOut])
def draft(workspace_id: int, body: DraftsIn, ctx: CtxDep, actor: CurrentActor) -> list[DraftOut]:
    """Drafts for every account x language x A/B variant, checked against each network's
    limits, the brand voice and the guardrails. Nothing is stored."""
    try:
        drafts = drafting.draft_for_accounts(
            ctx,
            actor,
            workspace_id,
            body.brief,
            body.account_ids,
            body.languages,
            body.variants,
            brief_kind=body.brief_kind,
        )
    except AIError as exc:
        raise HTTPException(502, f"the AI backend failed: {exc}") from exc
    return [draft_out(d) for d in drafts]


def _ndjson(events: Iterator[str | Draft]) -> Iterator[str]:
    try:
        for event in events:
            if isinstance(event, Draft):
                yield json.dumps({"draft": draft_out(event).model_dump(mode="json")}) + "\n"
            else:
                yield json.dumps({"delta": event}, ensure_ascii=False) + "\n"
    except ClaironError as exc:  # the status is already sent: the error is the last line
        yield json.dumps({"error": str(exc)}) + "\n"


@router.post(
    "/workspaces/{workspace_id}/drafts/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {NDJSON: {}}, "description": "One JSON object per line."}},
)
def draft_stream(
    workspace_id: int, body: DraftStreamIn, ctx: CtxDep, actor: CurrentActor
) -> StreamingResponse:
    """Variant A for one account, as it is written: NDJSON lines ``{"delta": "..."}``, then
    ``{"draft": {...}}`` (the checked draft, which may differ from the streamed text when a
    fix was applied), or ``{"error": "..."}`` if the backend fails mid-way."""
    events = drafting.stream_for_account(
        ctx,
        actor,
        workspace_id,
        body.brief,
        body.account_id,
        body.language,
        brief_kind=body.brief_kind,
    )
    return StreamingResponse(_ndjson(events), media_type=NDJSON)


@router.post("/workspaces/{workspace_id}/drafts/accept", response_model=PostOut, status_code=201)
def accept(workspace_id: int, body: AcceptIn, ctx: CtxDep, actor: CurrentActor) -> PostOut:
    """Create a post from accepted drafts (edited or not). Every variant keeps its AI label;
    the post starts as a draft (``submit``: sent for review) and needs approval where the
    workspace's policy is on."""
    accepted = [
        drafting.AcceptedDraft(
            d.account_id,
            drafting.draft_from_dict(d.model_dump(mode="json")),
            d.edited_text,
        )
        for d in body.drafts
    ]
    post = drafting.create_post_from_drafts(
        ctx, actor, workspace_id, accepted, title=body.title, body=body.body, submit=body.submit
    )
    return PostOut.model_validate(post)


@router.get("/workspaces/{workspace_id}/brand-voice", response_model=BrandVoice)
def get_brand_voice(workspace_id: int, ctx: CtxDep, actor: CurrentActor) -> BrandVoice:
    """The workspace's brand voice (the default voice until one is set)."""
    return drafting.get_brand_voice(ctx, actor, workspace_id)


@router.put("/workspaces/{workspace_id}/brand-voice", response_model=BrandVoice)
def put_brand_voice(
    workspace_id: int, body: BrandVoice, ctx: CtxDep, actor: CurrentActor
) -> BrandVoice:
    """Replace the workspace's brand voice (workspace owners)."""
    return drafting.set_brand_voice(ctx, actor, workspace_id, body)
