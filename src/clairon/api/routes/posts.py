"""Posts, their variants, and the review loop (submit, approve, reject, notes)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from clairon.api.deps import CtxDep, CurrentActor, PagingDep
from clairon.api.schemas import (
    Page,
    PostIn,
    PostOut,
    ReviewIn,
    ReviewNoteOut,
    VariantEditIn,
    VariantIn,
    VariantOut,
    VariantsIn,
)
from clairon.domain import VariantStatus
from clairon.services import posts
from clairon.services.posts import VariantSpec

__all__ = ["router"]

router = APIRouter(tags=["posts"])


def _spec(v: VariantIn) -> VariantSpec:
    return VariantSpec(
        account_id=v.account_id,
        language=v.language,
        text=v.text,
        ab_letter=v.ab_letter,
        media_ids=tuple(v.media_ids),
        first_comment=v.first_comment,
        options=v.options,
    )


@router.post("/workspaces/{workspace_id}/posts", response_model=PostOut, status_code=201)
def create_post(workspace_id: int, body: PostIn, ctx: CtxDep, actor: CurrentActor) -> PostOut:
    """Create a post and its variants; nothing is written if any variant breaks a rule."""
    post = posts.create_post(
        ctx,
        actor,
        workspace_id,
        body.body,
        [_spec(v) for v in body.variants],
        title=body.title,
        campaign_id=body.campaign_id,
    )
    return PostOut.model_validate(post)


@router.get("/workspaces/{workspace_id}/posts", response_model=Page[PostOut])
def list_posts(
    workspace_id: int,
    ctx: CtxDep,
    actor: CurrentActor,
    paging: PagingDep,
    response: Response,
    status: VariantStatus | None = Query(None, description="Only posts with a variant in it."),
) -> Page[PostOut]:
    """Posts, newest first. The total is also in the ``X-Total-Count`` header."""
    items, total = posts.list_posts(
        ctx, actor, workspace_id, status=status, limit=paging.limit, offset=paging.offset
    )
    response.headers["X-Total-Count"] = str(total)
    return Page[PostOut](
        items=[PostOut.model_validate(p) for p in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/posts/{post_id}", response_model=PostOut)
def get_post(post_id: int, ctx: CtxDep, actor: CurrentActor) -> PostOut:
    return PostOut.model_validate(posts.get_post(ctx, actor, post_id))


@router.post("/posts/{post_id}/variants", response_model=PostOut, status_code=201)
def add_variants(post_id: int, body: VariantsIn, ctx: CtxDep, actor: CurrentActor) -> PostOut:
    """Adapt the post to more accounts, languages or A/B letters."""
    post = posts.add_variants(ctx, actor, post_id, [_spec(v) for v in body.variants])
    return PostOut.model_validate(post)


@router.patch("/variants/{variant_id}", response_model=VariantOut)
def edit_variant(
    variant_id: int, body: VariantEditIn, ctx: CtxDep, actor: CurrentActor
) -> VariantOut:
    """Edit a variant's text, media, first comment or options (only the fields sent)."""
    variant = posts.edit_variant(
        ctx,
        actor,
        variant_id,
        text=body.text,
        media_ids=body.media_ids,
        first_comment=body.first_comment,
        options=body.options,
    )
    return VariantOut.model_validate(variant)


@router.post("/posts/{post_id}/submit", response_model=PostOut)
def submit(post_id: int, ctx: CtxDep, actor: CurrentActor, body: ReviewIn | None = None) -> PostOut:
    """Send the post's draft variants for review."""
    comment = body.comment if body else ""
    return PostOut.model_validate(posts.submit_for_review(ctx, actor, post_id, comment))


@router.post("/posts/{post_id}/approve", response_model=PostOut)
def approve(
    post_id: int, ctx: CtxDep, actor: CurrentActor, body: ReviewIn | None = None
) -> PostOut:
    """Approve the variants in review (approvers and owners)."""
    comment = body.comment if body else ""
    return PostOut.model_validate(posts.approve_post(ctx, actor, post_id, comment))


@router.post("/posts/{post_id}/reject", response_model=PostOut)
def reject(post_id: int, body: ReviewIn, ctx: CtxDep, actor: CurrentActor) -> PostOut:
    """Send the post back to draft; ``comment`` (why) is required."""
    return PostOut.model_validate(posts.reject_post(ctx, actor, post_id, body.comment))


@router.get("/posts/{post_id}/review-notes", response_model=list[ReviewNoteOut])
def review_notes(post_id: int, ctx: CtxDep, actor: CurrentActor) -> list[ReviewNoteOut]:
    """The review history: submissions, approvals and rejections with their comments."""
    return [ReviewNoteOut.model_validate(n) for n in posts.review_notes(ctx, actor, post_id)]
