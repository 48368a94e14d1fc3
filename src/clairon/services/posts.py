"""Posts and their variants: create, adapt, edit, and the review loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from clairon.domain import Action, Post, Variant, VariantStatus, check_transition
from clairon.domain.lifecycle import EDITABLE
from clairon.errors import NotFound, Problem, ValidationFailed
from clairon.networks.base import MediaFile, PublishRequest
from clairon.services.accounts import build_connector
from clairon.services.context import Actor, Context, audit, authorize
from clairon.store import accounts as account_repo
from clairon.store import posts as repo
from clairon.store import workspaces as ws_repo

__all__ = [
    "VariantSpec",
    "add_variants",
    "approve_post",
    "create_post",
    "edit_variant",
    "get_post",
    "list_posts",
    "reject_post",
    "submit_for_review",
    "validate_variant_text",
]


@dataclass(frozen=True)
class VariantSpec:
    """One variant to create. Empty ``text`` means: adapt the post's body."""

    account_id: int
    language: str = ""
    text: str = ""
    ab_letter: str = "A"
    media_ids: tuple[int, ...] = ()
    first_comment: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    ai: dict[str, Any] = field(default_factory=dict)


def _media_files(
    conn: Connection, workspace_id: int, media_ids: Sequence[int], where: str
) -> tuple[list[MediaFile], list[Problem]]:
    from pathlib import Path

    files: list[MediaFile] = []
    problems: list[Problem] = []
    for i, media_id in enumerate(media_ids):
        m = repo.get_media(conn, media_id)
        if m is None or m.workspace_id != workspace_id:
            problems.append(Problem(f"{where}.media_ids[{i}]", f"media {media_id} not found"))
            continue
        files.append(
            MediaFile(
                path=Path(m.path),
                mime=m.mime,
                size_bytes=m.size_bytes,
                width=m.width,
                height=m.height,
                duration_seconds=m.duration_seconds,
                alt_text=m.alt_text,
            )
        )
    return files, problems


def validate_variant_text(
    ctx: Context, conn: Connection, workspace_id: int, spec: VariantSpec, text: str, where: str
) -> list[Problem]:
    """Every network rule the variant breaks (text length, media), named by field."""
    account = account_repo.get_account(conn, spec.account_id)
    if account is None or account.workspace_id != workspace_id:
        return [Problem(f"{where}.account_id", f"account {spec.account_id} not found")]
    files, problems = _media_files(conn, workspace_id, spec.media_ids, where)
    if not text.strip() and not files:
        problems.append(Problem(f"{where}.text", "must not be empty"))
    connector = build_connector(ctx, account)
    try:
        request = PublishRequest(
            variant_id=0,
            idempotency_key="validate",
            text=text,
            media=tuple(files),
            first_comment=spec.first_comment,
            options=spec.options,
            post_type=str(spec.options.get("post_type", "feed")),
        )
        for p in connector.validate(request):
            problems.append(Problem(f"{where}.{p.location}", p.message))
    finally:
        connector.close()
    return problems


def create_post(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    body: str,
    variants: Sequence[VariantSpec],
    *,
    title: str = "",
    campaign_id: int | None = None,
) -> Post:
    """Create a post and its variants in one transaction; nothing is written if any variant
    breaks a rule (every problem is reported, with its field path)."""
    problems: list[Problem] = []
    if not body.strip() and not any(v.text.strip() for v in variants):
        problems.append(Problem("body", "must not be empty"))
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.compose)
        ws = ws_repo.get_workspace(conn, workspace_id)
        assert ws is not None
        prepared: list[tuple[VariantSpec, str, str]] = []
        for i, spec in enumerate(variants):
            text = spec.text or body
            language = spec.language or ws.languages[0]
            problems += validate_variant_text(ctx, conn, workspace_id, spec, text, f"variants[{i}]")
            prepared.append((spec, text, language))
        if problems:
            raise ValidationFailed(problems)
        now = ctx.now()
        post_id = repo.insert_post(
            conn,
            workspace_id=workspace_id,
            title=title,
            body=body,
            created_by=actor.user_id or 0,
            created_at=now,
            campaign_id=campaign_id,
        )
        for spec, text, language in prepared:
            _insert_variant(conn, ctx, workspace_id, post_id, spec, text, language)
        audit(
            conn,
            ctx,
            actor,
            workspace_id,
            "post.create",
            "post",
            post_id,
            after={"variants": len(prepared), "title": title},
        )
        post = repo.get_post(conn, post_id)
    assert post is not None
    return post


def _insert_variant(
    conn: Connection,
    ctx: Context,
    workspace_id: int,
    post_id: int,
    spec: VariantSpec,
    text: str,
    language: str,
) -> int:
    account = account_repo.get_account(conn, spec.account_id)
    assert account is not None
    return repo.insert_variant(
        conn,
        post_id=post_id,
        workspace_id=workspace_id,
        account_id=spec.account_id,
        network=account.network,
        language=language,
        ab_letter=spec.ab_letter or "A",
        text=text,
        status=VariantStatus.draft.value,
        media_ids=list(spec.media_ids),
        first_comment=spec.first_comment,
        options=spec.options,
        ai=spec.ai,
        version=1,
        updated_at=ctx.now(),
    )


def add_variants(ctx: Context, actor: Actor, post_id: int, variants: Sequence[VariantSpec]) -> Post:
    """Adapt an existing post to more accounts/languages/A-B letters."""
    with ctx.store.transaction() as conn:
        post = _visible_post(conn, actor, post_id, Action.compose)
        ws = ws_repo.get_workspace(conn, post.workspace_id)
        assert ws is not None
        problems: list[Problem] = []
        prepared = []
        for i, spec in enumerate(variants):
            text = spec.text or post.body
            problems += validate_variant_text(
                ctx, conn, post.workspace_id, spec, text, f"variants[{i}]"
            )
            prepared.append((spec, text, spec.language or ws.languages[0]))
        if problems:
            raise ValidationFailed(problems)
        for spec, text, language in prepared:
            vid = _insert_variant(conn, ctx, post.workspace_id, post_id, spec, text, language)
            audit(
                conn,
                ctx,
                actor,
                post.workspace_id,
                "variant.create",
                "variant",
                vid,
                after={"account_id": spec.account_id, "language": language},
            )
        updated = repo.get_post(conn, post_id)
    assert updated is not None
    return updated


def _visible_post(conn: Connection, actor: Actor, post_id: int, action: Action) -> Post:
    post = repo.get_post(conn, post_id)
    if post is None:
        raise NotFound(f"post {post_id} not found")
    authorize(conn, actor, post.workspace_id, action)
    return post


def get_post(ctx: Context, actor: Actor, post_id: int) -> Post:
    with ctx.store.transaction() as conn:
        return _visible_post(conn, actor, post_id, Action.read)


def list_posts(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    *,
    status: VariantStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Post], int]:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        return repo.list_posts(conn, workspace_id, status=status, limit=limit, offset=offset)


def edit_variant(
    ctx: Context,
    actor: Actor,
    variant_id: int,
    *,
    text: str | None = None,
    media_ids: Sequence[int] | None = None,
    first_comment: str | None = None,
    options: dict[str, Any] | None = None,
    ai: dict[str, Any] | None = None,
) -> Variant:
    """Edit a variant that is not scheduled or beyond. Edited content goes back to draft
    when the workspace requires approval (a reviewer must see what will be published)."""
    with ctx.store.transaction() as conn:
        variant = repo.get_variant(conn, variant_id)
        if variant is None:
            raise NotFound(f"variant {variant_id} not found")
        authorize(conn, actor, variant.workspace_id, Action.compose)
        if variant.status not in EDITABLE:
            raise ValidationFailed(
                f"a {variant.status} variant cannot be edited; cancel its schedule first", "status"
            )
        spec = VariantSpec(
            account_id=variant.account_id,
            media_ids=tuple(media_ids) if media_ids is not None else variant.media_ids,
            first_comment=first_comment if first_comment is not None else variant.first_comment,
            options=options if options is not None else variant.options,
        )
        new_text = text if text is not None else variant.text
        problems = validate_variant_text(ctx, conn, variant.workspace_id, spec, new_text, "variant")
        if problems:
            raise ValidationFailed(problems)
        ws = ws_repo.get_workspace(conn, variant.workspace_id)
        assert ws is not None
        status = variant.status
        if ws.require_approval and status in (
            VariantStatus.approved,
            VariantStatus.in_review,
            VariantStatus.failed,
        ):
            status = VariantStatus.draft
        repo.update_variant(
            conn,
            variant_id,
            text=new_text,
            media_ids=list(spec.media_ids),
            first_comment=spec.first_comment,
            options=spec.options,
            ai=ai if ai is not None else _edited_ai(variant.ai, variant.text, new_text),
            status=status.value,
            version=variant.version + 1,
            updated_at=ctx.now(),
            error=None,
        )
        audit(
            conn,
            ctx,
            actor,
            variant.workspace_id,
            "variant.edit",
            "variant",
            variant_id,
            before={"text": variant.text[:200], "status": variant.status},
            after={"text": new_text[:200], "status": status},
        )
        updated = repo.get_variant(conn, variant_id)
    assert updated is not None
    return updated


def _edited_ai(ai: dict[str, Any], before: str, after: str) -> dict[str, Any]:
    """An AI variant a person rewrote keeps its label, and says a human edited it."""
    if ai and before != after:
        return {**ai, "edited_by_human": True}
    return ai


def _move_post(
    ctx: Context,
    actor: Actor,
    post_id: int,
    action: Action,
    source: set[VariantStatus],
    target: VariantStatus,
    event: str,
    decision: str,
    comment: str,
) -> Post:
    with ctx.store.transaction(write_lock=True) as conn:
        post = _visible_post(conn, actor, post_id, action)
        movable = [v for v in post.variants if v.status in source]
        if not movable:
            states = ", ".join(sorted({v.status for v in post.variants})) or "no variants"
            raise ValidationFailed(
                f"nothing to {decision}: the post's variants are {states}", "status"
            )
        for v in movable:
            check_transition(v.status, target)
            repo.update_variant(
                conn, v.id, expect_status=v.status, status=target.value, updated_at=ctx.now()
            )
        repo.add_review_note(
            conn,
            post_id=post_id,
            user_id=actor.user_id or 0,
            decision=decision,
            comment=comment,
            at=ctx.now(),
        )
        audit(
            conn,
            ctx,
            actor,
            post.workspace_id,
            event,
            "post",
            post_id,
            before={"statuses": [v.status for v in movable]},
            after={"status": target, "comment": comment},
        )
        updated = repo.get_post(conn, post_id)
    assert updated is not None
    return updated


def submit_for_review(ctx: Context, actor: Actor, post_id: int, comment: str = "") -> Post:
    return _move_post(
        ctx,
        actor,
        post_id,
        Action.compose,
        {VariantStatus.draft},
        VariantStatus.in_review,
        "post.submit",
        "submitted",
        comment,
    )


def approve_post(ctx: Context, actor: Actor, post_id: int, comment: str = "") -> Post:
    return _move_post(
        ctx,
        actor,
        post_id,
        Action.approve,
        {VariantStatus.in_review},
        VariantStatus.approved,
        "post.approve",
        "approved",
        comment,
    )


def reject_post(ctx: Context, actor: Actor, post_id: int, comment: str) -> Post:
    if not comment.strip():
        raise ValidationFailed("say why the post is rejected", "comment")
    return _move_post(
        ctx,
        actor,
        post_id,
        Action.approve,
        {VariantStatus.in_review, VariantStatus.approved},
        VariantStatus.draft,
        "post.reject",
        "rejected",
        comment,
    )


def review_notes(ctx: Context, actor: Actor, post_id: int) -> list[dict[str, Any]]:
    with ctx.store.transaction() as conn:
        _visible_post(conn, actor, post_id, Action.read)
        return repo.list_review_notes(conn, post_id)
