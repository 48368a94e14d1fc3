"""What happened to a post: its audit events (post and variants) and review notes, in order.

Read-only; the web UI's post page shows it as the post's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clairon.domain import Action
from clairon.errors import NotFound
from clairon.services.context import Actor, Context, authorize
from clairon.store import audit as audit_repo
from clairon.store import posts as post_repo
from clairon.store import workspaces as ws_repo

__all__ = ["HistoryEntry", "post_history"]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a post's history. ``kind`` is ``event`` (audit) or ``note`` (review)."""

    at: datetime
    kind: str
    action: str
    actor: str
    object_type: str
    object_id: str
    comment: str = ""
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


def post_history(
    ctx: Context, actor: Actor, post_id: int, *, limit: int = 200
) -> list[HistoryEntry]:
    """The post's audit events and review notes, oldest first (review notes carry the
    reviewer's comment). A post of another workspace is :class:`NotFound`."""
    with ctx.store.transaction() as conn:
        post = post_repo.get_post(conn, post_id)
        if post is None:
            raise NotFound(f"post {post_id} not found")
        authorize(conn, actor, post.workspace_id, Action.read)
        events = list(
            audit_repo.list_events(
                conn, post.workspace_id, object_type="post", object_id=str(post_id), limit=limit
            )
        )
        for variant in post.variants:
            events += audit_repo.list_events(
                conn,
                post.workspace_id,
                object_type="variant",
                object_id=str(variant.id),
                limit=limit,
            )
        notes = post_repo.list_review_notes(conn, post_id)
        user_ids = {e.actor_id for e in events if e.actor_id} | {
            int(n["user_id"]) for n in notes if n.get("user_id")
        }
        names: dict[int, str] = {}
        for uid in user_ids:
            user = ws_repo.get_user(conn, uid)
            if user is not None:
                names[uid] = user.name or user.email
    entries = [
        HistoryEntry(
            at=e.at,
            kind="event",
            action=e.action,
            actor=names.get(e.actor_id, "system") if e.actor_id else "system",
            object_type=e.object_type,
            object_id=e.object_id,
            before=dict(e.before),
            after=dict(e.after),
        )
        for e in events
    ]
    entries += [
        HistoryEntry(
            at=n["at"],
            kind="note",
            action=f"review.{n['decision']}",
            actor=names.get(int(n["user_id"]), "system") if n.get("user_id") else "system",
            object_type="post",
            object_id=str(post_id),
            comment=str(n.get("comment") or ""),
        )
        for n in notes
    ]
    entries.sort(key=lambda h: (h.at, 0 if h.kind == "event" else 1))
    return entries[-limit:]
