"""Reads the moderation service needs: recent inbox items, authors seen before, action events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from clairon.domain import AuditEvent, InboxItem
from clairon.store.rows import to_audit, to_inbox
from clairon.store.tables import audit_events, inbox_items

__all__ = [
    "authors_seen_before",
    "get_event",
    "items_since",
    "latest_event_id",
    "undo_event_for",
]


def items_since(conn: Connection, workspace_id: int, since: datetime) -> list[InboxItem]:
    rows = conn.execute(
        select(inbox_items)
        .where(inbox_items.c.workspace_id == workspace_id, inbox_items.c.created_at >= since)
        .order_by(inbox_items.c.created_at, inbox_items.c.id)
    ).mappings()
    return [to_inbox(r) for r in rows]


def authors_seen_before(conn: Connection, workspace_id: int, since: datetime) -> set[str]:
    """Author handles with at least one item older than ``since`` in the workspace."""
    rows = conn.execute(
        select(inbox_items.c.network, inbox_items.c.author_handle)
        .where(inbox_items.c.workspace_id == workspace_id, inbox_items.c.created_at < since)
        .group_by(inbox_items.c.network, inbox_items.c.author_handle)
        .having(func.count() > 0)
    )
    return {f"{network}:{handle}" for network, handle in rows}


def get_event(conn: Connection, event_id: int) -> AuditEvent | None:
    row = conn.execute(select(audit_events).where(audit_events.c.id == event_id)).mappings().first()
    return to_audit(row) if row else None


def undo_event_for(conn: Connection, workspace_id: int, event_id: int) -> AuditEvent | None:
    """The ``moderation.undo`` event that reverted action ``event_id``, if any."""
    row = (
        conn.execute(
            select(audit_events).where(
                audit_events.c.workspace_id == workspace_id,
                audit_events.c.action == "moderation.undo",
                audit_events.c.object_id == str(event_id),
            )
        )
        .mappings()
        .first()
    )
    return to_audit(row) if row else None


def latest_event_id(conn: Connection, workspace_id: int, action: str, object_id: str) -> int:
    """Id of the newest event with this action on this object (just appended by the caller)."""
    value = conn.execute(
        select(func.max(audit_events.c.id)).where(
            audit_events.c.workspace_id == workspace_id,
            audit_events.c.action == action,
            audit_events.c.object_id == object_id,
        )
    ).scalar_one()
    return int(value)
