"""Media uploads (multipart); the real type is read from the content."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from clairon.api.deps import CtxDep, CurrentActor
from clairon.api.schemas import MediaOut
from clairon.services import media

__all__ = ["router"]

router = APIRouter(tags=["media"])


@router.post("/workspaces/{workspace_id}/media", response_model=MediaOut, status_code=201)
def upload(
    workspace_id: int,
    file: Annotated[UploadFile, File(description="An image, video or PDF.")],
    ctx: CtxDep,
    actor: CurrentActor,
    alt_text: Annotated[str, Form(max_length=1500)] = "",
) -> MediaOut:
    content = file.file.read(media.MAX_UPLOAD_BYTES + 1)
    registered = media.register_media(
        ctx,
        actor,
        workspace_id,
        file.filename or "upload",
        content,
        declared_type=file.content_type or "",
        alt_text=alt_text,
    )
    return MediaOut.model_validate(registered)


@router.get("/media/{media_id}", response_model=MediaOut)
def get_media(media_id: int, ctx: CtxDep, actor: CurrentActor) -> MediaOut:
    return MediaOut.model_validate(media.get_media(ctx, actor, media_id))
