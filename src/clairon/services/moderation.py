"""Apply moderation rules to the inbox, reversibly; dry-run them without writing anything.

Every applied action is one audit event ``moderation.<action>`` on the inbox item, whose
``before`` holds the item's moderated state (status, labels, assignee, triage) and ``after`` the
new state plus the rule; :func:`undo_action` puts ``before`` back (refusing with
:class:`~clairon.errors.Conflict` if someone changed the item since) and records
``moderation.undo``. Rules never talk to the network: ``delete`` is a soft delete, ``auto_reply``
and ``notify`` are queued on the item for the sender, so that each of them can be taken back.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clairon.domain import Action, InboxItem
from clairon.errors import Conflict, NotFound
from clairon.inbox.rules import PlannedAction, Rule, RuleItem, dry_run, evaluate, parse_rule
from clairon.services.context import Actor, Context, authorize
from clairon.store import inbox as inbox_repo
from clairon.store import moderation as repo
from clairon.store.audit import append_event, list_events

__all__ = [
    "AppliedAction",
    "RecentAction",
    "apply_rules",
    "delete_rule",
    "dry_run_rules",
    "list_rules",
    "recent_actions",
    "save_rule",
    "undo_action",
]


@dataclass(frozen=True, slots=True)
class AppliedAction:
    event_id: int
    item_id: int
    kind: str
    rule: str


def _state(item: InboxItem) -> dict[str, Any]:
    return {
        "status": item.status,
        "labels": list(item.labels),
        "assignee_id": item.assignee_id,
        "triage": copy.deepcopy(item.triage),
    }


def _rule_items(items: Sequence[InboxItem], seen_before: set[str]) -> list[RuleItem]:
    out: list[RuleItem] = []
    seen = set(seen_before)
    for item in items:  # oldest first: an author's first item in the window is "first time"
        key = f"{item.network}:{item.author_handle}"
        triage = item.triage
        followers = triage.get("author_followers")
        out.append(
            RuleItem(
                id=item.id,
                text=item.text,
                created_at=item.created_at,
                language=item.language or triage.get("language"),
                sentiment=triage.get("sentiment"),
                intent=triage.get("intent"),
                toxicity=float(triage.get("toxicity") or 0.0),
                author_followers=int(followers) if followers is not None else None,
                first_time_author=key not in seen,
                author=item.author_handle,
            )
        )
        seen.add(key)
    return out


def save_rule(ctx: Context, actor: Actor, workspace_id: int, data: dict[str, Any]) -> Rule:
    """Validate and store a rule (a rule with the same name is replaced)."""
    rule = parse_rule(data)
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.manage)
        definition = {"when": dict(rule.when), "actions": [dict(a) for a in rule.actions]}
        created = repo.upsert_rule(
            conn, workspace_id, rule.name, definition=definition, enabled=rule.enabled,
            updated_at=ctx.now(),
        )  # fmt: skip
        append_event(
            conn, workspace_id=workspace_id, actor_id=actor.user_id,
            action="rules.create" if created else "rules.update", object_type="moderation_rule",
            object_id=rule.name, at=ctx.now(), after={**definition, "enabled": rule.enabled},
        )  # fmt: skip
    return rule


def list_rules(ctx: Context, actor: Actor, workspace_id: int) -> list[Rule]:
    """The workspace's stored rules, enabled or not, in creation order."""
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        rows = repo.list_rules(conn, workspace_id)
    return [
        parse_rule({"name": r["name"], "enabled": r["enabled"], **r["definition"]}) for r in rows
    ]


def delete_rule(ctx: Context, actor: Actor, workspace_id: int, name: str) -> None:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.manage)
        if not repo.delete_rule(conn, workspace_id, name):
            raise NotFound(f"rule '{name}' not found")
        append_event(
            conn, workspace_id=workspace_id, actor_id=actor.user_id, action="rules.delete",
            object_type="moderation_rule", object_id=name, at=ctx.now(),
        )  # fmt: skip


def _load(ctx: Context, actor: Actor, workspace_id: int, since: datetime) -> list[RuleItem]:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        items = repo.items_since(conn, workspace_id, since)
        return _rule_items(items, repo.authors_seen_before(conn, workspace_id, since))


def dry_run_rules(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    rules: Sequence[Rule] | None = None,
    *,
    days: int = 30,
) -> list[PlannedAction]:
    """What ``rules`` (default: the workspace's stored rules) would have done on the last
    ``days`` days. Reads only; writes nothing."""
    if rules is None:
        rules = list_rules(ctx, actor, workspace_id)
    now = ctx.now()
    items = _load(ctx, actor, workspace_id, now - timedelta(days=days))
    return dry_run(rules, items, now=now, days=days)


def _changed(state: dict[str, Any], action: PlannedAction) -> dict[str, Any]:
    new = copy.deepcopy(state)
    params = action.params
    if action.kind in ("hide", "delete"):
        new["status"] = "hidden" if action.kind == "hide" else "deleted"
    elif action.kind in ("label", "escalate"):
        label = str(params.get("value", "escalated"))
        if label not in new["labels"]:
            new["labels"].append(label)
        if action.kind == "escalate":
            new["triage"]["escalated"] = True
    elif action.kind == "assign":
        new["assignee_id"] = int(params["user_id"])
    elif action.kind == "auto_reply":
        queued = new["triage"].setdefault("pending_replies", [])
        entry = {"text": params["text"], "rule": action.rule}
        if entry not in queued:
            queued.append(entry)
    elif action.kind == "notify":
        notes = new["triage"].setdefault("notifications", [])
        entry = {"target": str(params["target"]), "rule": action.rule}
        if entry not in notes:
            notes.append(entry)
    return new


def apply_rules(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    rules: Sequence[Rule] | None = None,
    *,
    since: datetime | None = None,
    item_ids: Collection[int] | None = None,
) -> list[AppliedAction]:
    """Apply the rules (default: the workspace's stored rules) to the items created since
    ``since`` (default: the last day).

    An action that would change nothing (label already there...) is skipped, so running the
    same rules twice does not double anything. ``item_ids`` restricts it to those items (the
    ones just labelled on ingest), so an undone action is not redone on older items."""
    if rules is None:
        rules = list_rules(ctx, actor, workspace_id)
    since = since or ctx.now() - timedelta(days=1)
    applied: list[AppliedAction] = []
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.engage)
        items = repo.items_since(conn, workspace_id, since)
        if item_ids is not None:
            items = [i for i in items if i.id in item_ids]
        planned = evaluate(
            rules, _rule_items(items, repo.authors_seen_before(conn, workspace_id, since))
        )
        for action in planned:
            item = inbox_repo.get_item(conn, action.item_id)
            assert item is not None
            before = _state(item)
            after = _changed(before, action)
            if after == before:
                continue
            inbox_repo.update_item(
                conn, item.id, status=after["status"], labels=after["labels"],
                assignee_id=after["assignee_id"], triage=after["triage"],
            )  # fmt: skip
            name = f"moderation.{action.kind}"
            append_event(
                conn, workspace_id=workspace_id, actor_id=actor.user_id, action=name,
                object_type="inbox_item", object_id=str(item.id), at=ctx.now(),
                before=before, after={**after, "rule": action.rule},
            )  # fmt: skip
            event_id = repo.latest_event_id(conn, workspace_id, name, str(item.id))
            applied.append(AppliedAction(event_id, item.id, action.kind, action.rule))
    return applied


def undo_action(ctx: Context, actor: Actor, event_id: int) -> InboxItem:
    """Put the item back as it was before action ``event_id``; recorded as ``moderation.undo``."""
    with ctx.store.transaction() as conn:
        event = repo.get_event(conn, event_id)
        if (
            event is None
            or not event.action.startswith("moderation.")
            or event.workspace_id is None
        ):
            raise NotFound(f"moderation action {event_id} not found")
        if event.action == "moderation.undo":
            raise Conflict("an undo cannot be undone; apply the rule again instead")
        authorize(conn, actor, event.workspace_id, Action.engage)
        if repo.undo_event_for(conn, event.workspace_id, event_id) is not None:
            raise Conflict(f"moderation action {event_id} was already undone")
        item = inbox_repo.get_item(conn, int(event.object_id))
        if item is None:
            raise NotFound(f"inbox item {event.object_id} not found")
        expected = {k: v for k, v in event.after.items() if k != "rule"}
        if _state(item) != expected:
            raise Conflict(f"inbox item {item.id} changed since action {event_id}; undo it by hand")
        before = event.before
        inbox_repo.update_item(
            conn, item.id, status=before["status"], labels=before["labels"],
            assignee_id=before["assignee_id"], triage=before["triage"],
        )  # fmt: skip
        append_event(
            conn, workspace_id=event.workspace_id, actor_id=actor.user_id,
            action="moderation.undo", object_type="audit_event", object_id=str(event_id),
            at=ctx.now(), before=expected, after={**before, "item_id": item.id},
        )  # fmt: skip
        restored = inbox_repo.get_item(conn, item.id)
    assert restored is not None
    return restored


@dataclass(frozen=True, slots=True)
class RecentAction:
    """One automatic action taken by a rule, and whether it was undone since."""

    event_id: int
    item_id: int
    kind: str
    rule: str
    at: datetime
    text: str
    undone: bool


def recent_actions(
    ctx: Context, actor: Actor, workspace_id: int, *, limit: int = 50
) -> list[RecentAction]:
    """The workspace's latest rule actions on inbox items, newest first."""
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        events = [
            e
            for e in list_events(conn, workspace_id, object_type="inbox_item", limit=limit * 4)
            if e.action.startswith("moderation.")
        ][:limit]
        out: list[RecentAction] = []
        for event in events:
            item = inbox_repo.get_item(conn, int(event.object_id))
            out.append(
                RecentAction(
                    event.id, int(event.object_id), event.action.removeprefix("moderation."),
                    str(event.after.get("rule", "")), event.at, item.text if item else "",
                    repo.undo_event_for(conn, workspace_id, event.id) is not None,
                )
            )  # fmt: skip
    return out
