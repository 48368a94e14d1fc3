"""The audit log: append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from clairon.domain import AuditEvent
from clairon.store.rows import to_audit
from clairon.store.tables import audit_events

__all__ = ["append_event", "list_events"]


def append_event(
    conn: Connection,
    *,
    workspace_id: int | None,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        insert(audit_events).values(
            workspace_id=workspace_id,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            at=at,
            before=before or {},
            after=after or {},
        )
    )


def list_events(
    conn: Connection,
    workspace_id: int,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    q = select(audit_events).where(audit_events.c.workspace_id == workspace_id)
    if object_type:
        q = q.where(audit_events.c.object_type == object_type)
    if object_id:
        q = q.where(audit_events.c.object_id == object_id)
    rows = conn.execute(q.order_by(audit_events.c.id.desc()).limit(limit)).mappings()
    return [to_audit(r) for r in rows]
