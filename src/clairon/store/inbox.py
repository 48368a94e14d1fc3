"""Inbox items (comments, mentions, messages), deduplicated per account and network id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from clairon.domain import InboxItem
from clairon.store.rows import to_inbox
from clairon.store.tables import inbox_items

__all__ = ["get_item", "insert_item_if_new", "list_items", "update_item"]


def insert_item_if_new(conn: Connection, **values: Any) -> int | None:
    """Insert unless (account, network id) exists; returns the new id or None."""
    exists = conn.execute(
        select(inbox_items.c.id).where(
            inbox_items.c.account_id == values["account_id"],
            inbox_items.c.network_item_id == values["network_item_id"],
        )
    ).first()
    if exists:
        return None
    try:
        with conn.begin_nested():
            result = conn.execute(inbox_items.insert().values(**values))
    except IntegrityError:  # raced by another ingester
        return None
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_item(conn: Connection, item_id: int) -> InboxItem | None:
    row = conn.execute(select(inbox_items).where(inbox_items.c.id == item_id)).mappings().first()
    return to_inbox(row) if row else None


def list_items(
    conn: Connection,
    workspace_id: int,
    *,
    status: str | None = None,
    variant_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[InboxItem], int]:
    q = select(inbox_items).where(inbox_items.c.workspace_id == workspace_id)
    if status:
        q = q.where(inbox_items.c.status == status)
    if variant_id is not None:
        q = q.where(inbox_items.c.variant_id == variant_id)
    total = int(conn.execute(select(func.count()).select_from(q.subquery())).scalar_one())
    rows = conn.execute(
        q.order_by(inbox_items.c.created_at.desc()).limit(limit).offset(offset)
    ).mappings()
    return [to_inbox(r) for r in rows], total


def update_item(conn: Connection, item_id: int, **values: Any) -> None:
    conn.execute(update(inbox_items).where(inbox_items.c.id == item_id).values(**values))
