"""The inbox: ingest comments/mentions from connectors, deduplicated; act on items."""

from __future__ import annotations

from collections.abc import Sequence

from clairon.domain import Action, InboxItem
from clairon.errors import NotFound, ValidationFailed
from clairon.networks.base import Capability, RemoteComment
from clairon.services.accounts import build_connector
from clairon.services.context import SYSTEM, Actor, Context, audit, authorize
from clairon.store import accounts as account_repo
from clairon.store import inbox as repo
from clairon.store import posts as post_repo
from clairon.store.inbox import InboxFilter

__all__ = [
    "InboxFilter",
    "bulk_set_status",
    "ingest_comments",
    "list_inbox",
    "poll_variant_comments",
    "set_item_status",
]

STATUSES = ("open", "done", "hidden", "deleted")


def ingest_comments(
    ctx: Context,
    account_id: int,
    comments: Sequence[RemoteComment],
    *,
    variant_id: int | None = None,
    actor: Actor = SYSTEM,
) -> list[int]:
    """Store new comments (already-known network ids are skipped). Returns the new ids."""
    new_ids: list[int] = []
    with ctx.store.transaction() as conn:
        account = account_repo.get_account(conn, account_id)
        if account is None:
            raise NotFound(f"account {account_id} not found")
        authorize(conn, actor, account.workspace_id, Action.engage)
        now = ctx.now()
        for c in comments:
            new_id = repo.insert_item_if_new(
                conn,
                workspace_id=account.workspace_id,
                account_id=account_id,
                variant_id=variant_id,
                network=account.network,
                network_item_id=c.network_item_id,
                parent_network_id=c.parent_network_id,
                kind=c.kind,
                author_handle=c.author_handle,
                author_name=c.author_name,
                text=c.text,
                url=c.url,
                language=None,
                status="open",
                labels=[],
                triage={"author_followers": c.author_followers} if c.author_followers else {},
                created_at=c.created_at,
                ingested_at=now,
            )
            if new_id is not None:
                new_ids.append(new_id)
        if new_ids:
            audit(
                conn,
                ctx,
                actor,
                account.workspace_id,
                "inbox.ingest",
                "account",
                account_id,
                after={"new_items": len(new_ids), "variant_id": variant_id},
            )
    return new_ids


def poll_variant_comments(ctx: Context, variant_id: int) -> list[int]:
    """Ask the network for the comments on a published variant and ingest the new ones."""
    with ctx.store.transaction() as conn:
        variant = post_repo.get_variant(conn, variant_id)
        if variant is None:
            raise NotFound(f"variant {variant_id} not found")
        account = account_repo.get_account(conn, variant.account_id)
    assert account is not None
    if not variant.network_post_id:
        return []
    connector = build_connector(ctx, account)
    try:
        if Capability.read_comments not in connector.capabilities:
            return []
        comments = connector.fetch_comments(variant.network_post_id)
    finally:
        connector.close()
    return ingest_comments(ctx, account.id, comments, variant_id=variant_id)


def list_inbox(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    *,
    status: str | None = None,
    variant_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    where: repo.InboxFilter | None = None,
) -> tuple[list[InboxItem], int]:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        return repo.list_items(
            conn,
            workspace_id,
            status=status,
            variant_id=variant_id,
            limit=limit,
            offset=offset,
            where=where,
        )


def set_item_status(ctx: Context, actor: Actor, item_id: int, status: str) -> InboxItem:
    if status not in STATUSES:
        raise ValidationFailed(f"'{status}' is not one of {', '.join(STATUSES)}", "status")
    with ctx.store.transaction() as conn:
        item = repo.get_item(conn, item_id)
        if item is None:
            raise NotFound(f"inbox item {item_id} not found")
        authorize(conn, actor, item.workspace_id, Action.engage)
        repo.update_item(conn, item_id, status=status)
        audit(
            conn,
            ctx,
            actor,
            item.workspace_id,
            "inbox.status",
            "inbox_item",
            item_id,
            before={"status": item.status},
            after={"status": status},
        )
        updated = repo.get_item(conn, item_id)
    assert updated is not None
    return updated


def bulk_set_status(ctx: Context, actor: Actor, item_ids: Sequence[int], status: str) -> int:
    """Set the status of several items in one transaction: every item is checked first (all
    must be visible to the actor, or nothing changes); returns how many changed."""
    if status not in STATUSES:
        raise ValidationFailed(f"'{status}' is not one of {', '.join(STATUSES)}", "status")
    with ctx.store.transaction() as conn:
        found = []
        for item_id in dict.fromkeys(item_ids):
            item = repo.get_item(conn, item_id)
            if item is None:
                raise NotFound(f"inbox item {item_id} not found")
            authorize(conn, actor, item.workspace_id, Action.engage)
            found.append(item)
        for item in found:
            repo.update_item(conn, item.id, status=status)
            audit(
                conn,
                ctx,
                actor,
                item.workspace_id,
                "inbox.status",
                "inbox_item",
                item.id,
                before={"status": item.status},
                after={"status": status, "bulk": True},
            )
    return len(found)
