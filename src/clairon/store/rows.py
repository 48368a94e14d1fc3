"""Row → domain conversions, shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from clairon.domain import (
    AccountStatus,
    AuditEvent,
    InboxItem,
    InboxKind,
    Media,
    Post,
    SocialAccount,
    User,
    Variant,
    VariantStatus,
    Workspace,
)

__all__ = [
    "to_account",
    "to_audit",
    "to_inbox",
    "to_media",
    "to_post",
    "to_user",
    "to_variant",
    "to_workspace",
]


def to_workspace(r: RowMapping) -> Workspace:
    return Workspace(
        id=r["id"],
        name=r["name"],
        slug=r["slug"],
        timezone=r["timezone"],
        languages=tuple(r["languages"]),
        require_approval=bool(r["require_approval"]),
        created_at=r["created_at"],
        settings=dict(r["settings"] or {}),
    )


def to_user(r: RowMapping) -> User:
    return User(
        id=r["id"],
        email=r["email"],
        name=r["name"],
        created_at=r["created_at"],
        is_admin=bool(r["is_admin"]),
    )


def to_account(r: RowMapping) -> SocialAccount:
    return SocialAccount(
        id=r["id"],
        workspace_id=r["workspace_id"],
        network=r["network"],
        handle=r["handle"],
        display_name=r["display_name"],
        status=AccountStatus(r["status"]),
        created_at=r["created_at"],
        has_credentials=r["credentials"] is not None,
        token_expires_at=r["token_expires_at"],
        settings=dict(r["settings"] or {}),
    )


def to_media(r: RowMapping) -> Media:
    return Media(
        id=r["id"],
        workspace_id=r["workspace_id"],
        path=r["path"],
        mime=r["mime"],
        size_bytes=r["size_bytes"],
        width=r["width"],
        height=r["height"],
        duration_seconds=r["duration_seconds"],
        alt_text=r["alt_text"],
    )


def to_variant(r: RowMapping) -> Variant:
    return Variant(
        id=r["id"],
        post_id=r["post_id"],
        workspace_id=r["workspace_id"],
        account_id=r["account_id"],
        network=r["network"],
        language=r["language"],
        ab_letter=r["ab_letter"],
        text=r["text"],
        status=VariantStatus(r["status"]),
        media_ids=tuple(r["media_ids"] or ()),
        scheduled_at=r["scheduled_at"],
        published_at=r["published_at"],
        network_post_id=r["network_post_id"],
        network_url=r["network_url"],
        error=r["error"],
        first_comment=r["first_comment"],
        options=dict(r["options"] or {}),
        ai=dict(r["ai"] or {}),
        version=r["version"],
        updated_at=r["updated_at"],
    )


def to_post(r: RowMapping, variants: tuple[Variant, ...] = ()) -> Post:
    return Post(
        id=r["id"],
        workspace_id=r["workspace_id"],
        title=r["title"],
        body=r["body"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        campaign_id=r["campaign_id"],
        variants=variants,
    )


def to_inbox(r: RowMapping) -> InboxItem:
    return InboxItem(
        id=r["id"],
        workspace_id=r["workspace_id"],
        account_id=r["account_id"],
        network=r["network"],
        network_item_id=r["network_item_id"],
        kind=InboxKind(r["kind"]),
        author_handle=r["author_handle"],
        text=r["text"],
        created_at=r["created_at"],
        variant_id=r["variant_id"],
        parent_network_id=r["parent_network_id"],
        author_name=r["author_name"],
        url=r["url"],
        language=r["language"],
        status=r["status"],
        labels=tuple(r["labels"] or ()),
        assignee_id=r["assignee_id"],
        triage=dict(r["triage"] or {}),
    )


def to_audit(r: RowMapping) -> AuditEvent:
    return AuditEvent(
        id=r["id"],
        workspace_id=r["workspace_id"],
        actor_id=r["actor_id"],
        action=r["action"],
        object_type=r["object_type"],
        object_id=r["object_id"],
        at=r["at"],
        before=dict(r["before"] or {}),
        after=dict(r["after"] or {}),
    )


def row_dict(r: RowMapping) -> dict[str, Any]:
    return dict(r)
