"""Reads the moderation service needs: recent inbox items, authors seen before, action events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from clairon.domain import AuditEvent, InboxItem
from clairon.store.rows import to_audit, to_inbox
from clairon.store.tables import audit_events, inbox_items, kb_entries, moderation_rules

__all__ = [
    "authors_seen_before",
    "delete_kb_entries",
    "delete_kb_entry",
    "delete_rule",
    "get_event",
    "items_since",
    "latest_event_id",
    "list_kb_entries",
    "list_rules",
    "undo_event_for",
    "upsert_kb_entry",
    "upsert_rule",
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


def list_kb_entries(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(kb_entries)
        .where(kb_entries.c.workspace_id == workspace_id)
        .order_by(kb_entries.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def upsert_kb_entry(conn: Connection, workspace_id: int, **values: Any) -> bool:
    """Insert the entry, or update the one with the same key; True when it was new."""
    key = values["entry_key"]
    existing = conn.execute(
        select(kb_entries.c.id).where(
            kb_entries.c.workspace_id == workspace_id, kb_entries.c.entry_key == key
        )
    ).scalar_one_or_none()
    if existing is None:
        conn.execute(insert(kb_entries).values(workspace_id=workspace_id, **values))
        return True
    conn.execute(update(kb_entries).where(kb_entries.c.id == existing).values(**values))
    return False


def delete_kb_entries(conn: Connection, workspace_id: int) -> int:
    result = conn.execute(delete(kb_entries).where(kb_entries.c.workspace_id == workspace_id))
    return int(result.rowcount or 0)


def delete_kb_entry(conn: Connection, workspace_id: int, entry_key: str) -> bool:
    result = conn.execute(
        delete(kb_entries).where(
            kb_entries.c.workspace_id == workspace_id, kb_entries.c.entry_key == entry_key
        )
    )
    return bool(result.rowcount)


def list_rules(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(moderation_rules)
        .where(moderation_rules.c.workspace_id == workspace_id)
        .order_by(moderation_rules.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def upsert_rule(conn: Connection, workspace_id: int, name: str, **values: Any) -> bool:
    """Insert the rule, or replace the one with the same name; True when it was new."""
    existing = conn.execute(
        select(moderation_rules.c.id).where(
            moderation_rules.c.workspace_id == workspace_id, moderation_rules.c.name == name
        )
    ).scalar_one_or_none()
    if existing is None:
        conn.execute(
            insert(moderation_rules).values(workspace_id=workspace_id, name=name, **values)
        )
        return True
    conn.execute(update(moderation_rules).where(moderation_rules.c.id == existing).values(**values))
    return False


def delete_rule(conn: Connection, workspace_id: int, name: str) -> bool:
    result = conn.execute(
        delete(moderation_rules).where(
            moderation_rules.c.workspace_id == workspace_id, moderation_rules.c.name == name
        )
    )
    return bool(result.rowcount)
