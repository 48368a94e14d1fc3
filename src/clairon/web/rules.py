"""Moderation rules: the workspace's rules in words, a JSON editor validated by the rule model
(every fault shown), switching a rule between active and dry-run only, a dry-run over the last
30 days that writes nothing, and the recent automatic actions with an Undo button each.

Readers see everything; owners and admins (``manage``) change rules and undo actions."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from clairon.domain import Workspace
from clairon.errors import Conflict, NotFound, PermissionDenied, Problem, ValidationFailed
from clairon.inbox.rules import PlannedAction, Rule, parse_rule
from clairon.services import inbox, moderation, workspaces
from clairon.web.rendering import CurrentUser, Viewer, WebRoute, context_of, flash, redirect, render

__all__ = ["describe_action", "describe_condition", "router"]

router = APIRouter(route_class=WebRoute)

DRY_RUN_DAYS = 30
EXAMPLE = {
    "name": "Hide links from newcomers",
    "enabled": False,
    "when": {"all": [{"contains_link": True}, {"first_time_author": True}]},
    "actions": [{"type": "hide"}, {"type": "label", "value": "link"}],
}
_LISTS = {"keywords": "mentions", "language": "language is", "sentiment": "sentiment is"}


def describe_condition(node: Mapping[str, Any]) -> str:
    """A validated condition tree in words."""
    ((kind, value),) = node.items()
    if kind in ("all", "any"):
        joiner = " AND " if kind == "all" else " OR "
        return "(" + joiner.join(describe_condition(c) for c in value) + ")"
    if kind == "not":
        return f"NOT {describe_condition(value)}"
    if kind in _LISTS:
        return f"{_LISTS[kind]} {' or '.join(repr(str(v)) for v in value)}"
    if kind == "intent":
        return "intent is " + " or ".join(str(v).replace("_", " ") for v in value)
    if kind == "regex":
        return f"matches /{value}/"
    if kind == "toxicity_at_least":
        return f"toxicity ≥ {float(value):.0%}"
    if kind == "followers_at_least":
        return f"author has ≥ {value} followers"
    if kind == "followers_below":
        return f"author has < {value} followers"
    flags = {
        "contains_link": "contains a link",
        "emoji_only": "is emoji only",
        "first_time_author": "is the author's first message",
    }
    return flags[kind] if value else f"NOT {flags[kind]}"


def describe_action(action: Mapping[str, Any]) -> str:
    kind = str(action.get("type"))
    if kind == "label":
        return f"label “{action['value']}”"
    if kind == "assign":
        return f"assign to user {action['user_id']}"
    if kind == "auto_reply":
        return f"queue the reply “{action['template']}”"
    if kind == "notify":
        return f"notify {action['target']}"
    return {"hide": "hide", "delete": "delete (soft)", "escalate": "escalate"}.get(kind, kind)


def _require_manage(me: Viewer, workspace: Workspace) -> None:
    if not me.can(workspace.id, "manage"):
        raise PermissionDenied("only owners and admins change moderation rules")


def _find(request: Request, me: Viewer, workspace: Workspace, name: str) -> Rule:
    rules = moderation.list_rules(context_of(request), me.actor, workspace.id)
    rule = next((r for r in rules if r.name == name), None)
    if rule is None:
        raise NotFound(f"rule '{name}' not found")
    return rule


def _as_json(rule: Rule) -> str:
    data = {
        "name": rule.name,
        "enabled": rule.enabled,
        "when": dict(rule.when),
        "actions": [dict(a) for a in rule.actions],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def _parse(definition: str) -> dict[str, Any]:
    try:
        data = json.loads(definition)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            [Problem(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")]
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed([Problem("rule", "a rule is a JSON object")])
    return data


def _page(
    request: Request,
    me: Viewer,
    workspace: Workspace,
    *,
    definition: str | None = None,
    problems: Sequence[Problem] = (),
    dry_run: tuple[str, list[tuple[PlannedAction, str]]] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context_of(request)
    rules = moderation.list_rules(ctx, me.actor, workspace.id)
    shown = [
        (
            rule,
            describe_condition(rule.when),
            [describe_action(a) for a in rule.actions],
        )
        for rule in rules
    ]
    return render(
        request,
        "rules.html",
        me=me,
        workspace=workspace,
        rules=shown,
        definition=definition or json.dumps(EXAMPLE, indent=2),
        problems=problems,
        dry_run=dry_run,
        days=DRY_RUN_DAYS,
        actions=moderation.recent_actions(ctx, me.actor, workspace.id),
        can_manage=me.can(workspace.id, "manage"),
        status_code=status_code,
    )


@router.get("/w/{workspace_id}/rules")
def rules_page(request: Request, me: CurrentUser, workspace_id: int, edit: str = "") -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    definition = None
    if edit:
        rule = next(
            (r for r in moderation.list_rules(ctx, me.actor, ws.id) if r.name == edit), None
        )
        if rule is None:
            raise NotFound(f"rule '{edit}' not found")
        definition = _as_json(rule)
    return _page(request, me, ws, definition=definition)


@router.post("/w/{workspace_id}/rules")
def save(
    request: Request, me: CurrentUser, workspace_id: int, definition: Annotated[str, Form()]
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    _require_manage(me, ws)
    try:
        rule = moderation.save_rule(ctx, me.actor, ws.id, _parse(definition))
    except ValidationFailed as exc:
        return _page(request, me, ws, definition=definition, problems=exc.problems, status_code=422)
    flash(request, f"Rule “{rule.name}” saved.", "success")
    return redirect(request, f"/w/{ws.id}/rules")


@router.post("/w/{workspace_id}/rules/dry-run")
def dry_run(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    name: Annotated[str, Form()] = "",
    definition: Annotated[str, Form()] = "",
) -> Response:
    """What one rule (stored, or the one in the editor) would have done; writes nothing."""
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    try:
        rule = _find(request, me, ws, name) if name else parse_rule(_parse(definition))
    except ValidationFailed as exc:
        return _page(request, me, ws, definition=definition, problems=exc.problems, status_code=422)
    # A rule in dry-run mode is stored disabled; the dry-run shows what it would do if active.
    planned = moderation.dry_run_rules(
        ctx, me.actor, ws.id, [dataclasses.replace(rule, enabled=True)], days=DRY_RUN_DAYS
    )
    ids = {p.item_id for p in planned}
    texts: dict[int, str] = {}
    if ids:
        items, _ = inbox.list_inbox(ctx, me.actor, ws.id, limit=10_000)
        texts = {i.id: i.text for i in items if i.id in ids}
    rows = [(p, texts.get(p.item_id, "")) for p in planned]
    return _page(
        request, me, ws, definition=definition or _as_json(rule), dry_run=(rule.name, rows)
    )


@router.post("/w/{workspace_id}/rules/mode")
def set_mode(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    name: Annotated[str, Form()],
    enabled: Annotated[bool, Form()],
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    _require_manage(me, ws)
    data = json.loads(_as_json(_find(request, me, ws, name)))
    data["enabled"] = enabled
    moderation.save_rule(ctx, me.actor, ws.id, data)
    flash(request, f"Rule “{name}” {'active' if enabled else 'in dry-run only'}.", "success")
    return redirect(request, f"/w/{ws.id}/rules")


@router.post("/w/{workspace_id}/rules/delete")
def delete(
    request: Request, me: CurrentUser, workspace_id: int, name: Annotated[str, Form()]
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    _require_manage(me, ws)
    moderation.delete_rule(ctx, me.actor, ws.id, name)
    flash(request, f"Rule “{name}” deleted.", "success")
    return redirect(request, f"/w/{ws.id}/rules")


@router.post("/w/{workspace_id}/rules/undo")
def undo(
    request: Request, me: CurrentUser, workspace_id: int, event_id: Annotated[int, Form()]
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    _require_manage(me, ws)
    if event_id not in {a.event_id for a in moderation.recent_actions(ctx, me.actor, ws.id)}:
        raise NotFound(f"moderation action {event_id} not found")
    try:
        item = moderation.undo_action(ctx, me.actor, event_id)
    except Conflict as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"Action undone: item {item.id} is {item.status} again.", "success")
    return redirect(request, f"/w/{ws.id}/rules")
