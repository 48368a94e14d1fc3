"""Inbox items (comments, mentions, messages), deduplicated per account and network id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from clairon.domain import InboxItem
from clairon.store.rows import to_inbox
from clairon.store.tables import inbox_items

__all__ = ["InboxFilter", "get_item", "insert_item_if_new", "list_items", "update_item"]


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


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows; empty fields do not filter."""

    status: str | None = None
    variant_id: int | None = None
    network: str | None = None
    account_id: int | None = None
    sentiment: str | None = None
    intent: str | None = None
    language: str | None = None
    min_priority: int | None = None
    assignee_id: int | None = None
    sort: str = "newest"  # newest | priority


def list_items(
    conn: Connection,
    workspace_id: int,
    *,
    status: str | None = None,
    variant_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    where: InboxFilter | None = None,
) -> tuple[list[InboxItem], int]:
    f = where or InboxFilter(status=status, variant_id=variant_id)
    c = inbox_items.c
    q = select(inbox_items).where(c.workspace_id == workspace_id)
    if f.status:
        q = q.where(c.status == f.status)
    if f.variant_id is not None:
        q = q.where(c.variant_id == f.variant_id)
    if f.network:
        q = q.where(c.network == f.network)
    if f.account_id is not None:
        q = q.where(c.account_id == f.account_id)
    if f.language:
        q = q.where(c.language == f.language)
    if f.assignee_id is not None:
        q = q.where(c.assignee_id == f.assignee_id)
    if f.sentiment:
        q = q.where(c.triage["sentiment"].as_string() == f.sentiment)
    if f.intent:
        q = q.where(c.triage["intent"].as_string() == f.intent)
    priority = c.triage["priority"].as_integer()
    if f.min_priority is not None:
        q = q.where(priority >= f.min_priority)
    total = int(conn.execute(select(func.count()).select_from(q.subquery())).scalar_one())
    order = (
        [priority.desc().nulls_last(), c.created_at.desc()]
        if f.sort == "priority"
        else [c.created_at.desc()]
    )
    rows = conn.execute(q.order_by(*order, c.id.desc()).limit(limit).offset(offset)).mappings()
    return [to_inbox(r) for r in rows], total


def update_item(conn: Connection, item_id: int, **values: Any) -> None:
    conn.execute(update(inbox_items).where(inbox_items.c.id == item_id).values(**values))


def untriaged_items(conn: Connection, *, limit: int = 500) -> list[InboxItem]:
    """Items not labelled yet (triage sets ``language``), oldest first, every workspace."""
    q = (
        select(inbox_items)
        .where(inbox_items.c.language.is_(None))
        .order_by(inbox_items.c.id)
        .limit(limit)
    )
    return [to_inbox(r) for r in conn.execute(q).mappings()]


def items_since(
    conn: Connection, workspace_id: int, since: datetime, *, limit: int = 100_000
) -> list[InboxItem]:
    q = (
        select(inbox_items)
        .where(inbox_items.c.workspace_id == workspace_id, inbox_items.c.created_at >= since)
        .order_by(inbox_items.c.id)
        .limit(limit)
    )
    return [to_inbox(r) for r in conn.execute(q).mappings()]
