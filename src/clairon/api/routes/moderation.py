"""Moderation rules (list, create or replace, dry-run), the FAQ knowledge base (list, import) and
the workspace's assistant policy (auto-send, threshold, extra synonym rings).

A rule is the JSON the rule model reads (``name``, ``enabled``, ``when``, ``actions``; see
``docs/moderation.md``); a rule stored with ``enabled: false`` stays in dry-run only."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from clairon.api.deps import CtxDep, CurrentActor
from clairon.errors import NotFound, ValidationFailed
from clairon.inbox.kb import KBEntry, parse_jsonl
from clairon.inbox.rules import Rule
from clairon.services import knowledge, moderation

__all__ = ["router"]

router = APIRouter(tags=["moderation"])


class RuleIO(BaseModel):
    name: str
    enabled: bool = True
    when: dict[str, Any]
    actions: list[dict[str, Any]]


class PlannedActionOut(BaseModel):
    rule: str
    item_id: int
    kind: str
    params: dict[str, Any]


class DryRunOut(BaseModel):
    rule: str
    days: int
    actions: list[PlannedActionOut]


class KBEntryIO(BaseModel):
    id: str
    question: str
    answer: str
    language: str
    tags: list[str] = Field(default_factory=list)
    url: str | None = None


class KBImportIn(BaseModel):
    entries: list[dict[str, Any]] = Field(
        min_length=1, description="Rows as in a JSONL import: question, answer, language, ..."
    )


class KBImportOut(BaseModel):
    added: int
    updated: int


def _rule_out(rule: Rule) -> RuleIO:
    return RuleIO(
        name=rule.name,
        enabled=rule.enabled,
        when=dict(rule.when),
        actions=[dict(a) for a in rule.actions],
    )


def _entry_out(entry: KBEntry) -> KBEntryIO:
    return KBEntryIO(
        id=entry.id,
        question=entry.question,
        answer=entry.answer,
        language=entry.language,
        tags=list(entry.tags),
        url=entry.url,
    )


@router.get("/workspaces/{workspace_id}/rules", response_model=list[RuleIO])
def list_rules(workspace_id: int, ctx: CtxDep, actor: CurrentActor) -> list[RuleIO]:
    return [_rule_out(r) for r in moderation.list_rules(ctx, actor, workspace_id)]


@router.post("/workspaces/{workspace_id}/rules", response_model=RuleIO, status_code=201)
def save_rule(workspace_id: int, body: RuleIO, ctx: CtxDep, actor: CurrentActor) -> RuleIO:
    """Create a rule, or replace the one with the same name (every fault listed in a 422)."""
    return _rule_out(moderation.save_rule(ctx, actor, workspace_id, body.model_dump()))


@router.post("/workspaces/{workspace_id}/rules/{rule_id}/dry-run", response_model=DryRunOut)
def dry_run(
    workspace_id: int, rule_id: str, ctx: CtxDep, actor: CurrentActor, days: int = 30
) -> DryRunOut:
    """What the rule would have done on the last ``days`` days (even in dry-run only mode);
    writes nothing."""
    days = max(1, min(days, 365))
    rules = moderation.list_rules(ctx, actor, workspace_id)
    rule = next((r for r in rules if r.id == rule_id), None)
    if rule is None:
        raise NotFound(f"rule '{rule_id}' not found")
    planned = moderation.dry_run_rules(
        ctx, actor, workspace_id, [dataclasses.replace(rule, enabled=True)], days=days
    )
    return DryRunOut(
        rule=rule.name,
        days=days,
        actions=[
            PlannedActionOut(rule=p.rule, item_id=p.item_id, kind=p.kind, params=dict(p.params))
            for p in planned
        ],
    )


@router.get("/workspaces/{workspace_id}/knowledge", response_model=list[KBEntryIO])
def list_knowledge(workspace_id: int, ctx: CtxDep, actor: CurrentActor) -> list[KBEntryIO]:
    return [_entry_out(e) for e in knowledge.list_kb(ctx, actor, workspace_id)]


@router.post("/workspaces/{workspace_id}/knowledge", response_model=KBImportOut)
def import_knowledge(
    workspace_id: int, body: KBImportIn, ctx: CtxDep, actor: CurrentActor
) -> KBImportOut:
    """Add entries (an entry with a known ``id`` is updated); all or nothing: every bad row is
    listed (``row N``, from 1) in a 422 and nothing is imported."""
    kb = parse_jsonl("\n".join(json.dumps(e, ensure_ascii=False) for e in body.entries))
    if kb.problems:
        raise ValidationFailed(list(kb.problems))
    added, updated = knowledge.import_kb(ctx, actor, workspace_id, kb)
    return KBImportOut(added=added, updated=updated)


class AssistantPolicyIO(BaseModel):
    auto_send: bool = False
    threshold: float = Field(default=0.8, description="confidence needed to auto-send (0.5-1)")
    synonyms: str = Field(
        default="", description="extra rings, one 'concept: word | phrase | ...' a line"
    )


@router.get("/workspaces/{workspace_id}/assistant", response_model=AssistantPolicyIO)
def get_assistant_policy(workspace_id: int, ctx: CtxDep, actor: CurrentActor) -> AssistantPolicyIO:
    policy = knowledge.assistant_policy(ctx, actor, workspace_id)
    return AssistantPolicyIO(**dataclasses.asdict(policy))


@router.put("/workspaces/{workspace_id}/assistant", response_model=AssistantPolicyIO)
def put_assistant_policy(
    workspace_id: int, body: AssistantPolicyIO, ctx: CtxDep, actor: CurrentActor
) -> AssistantPolicyIO:
    """Replace the policy (managers only); a bad threshold or ring line is a 422 naming it
    (``synonyms:line 3``) and nothing is changed."""
    policy = knowledge.AssistantPolicy(body.auto_send, body.threshold, body.synonyms)
    knowledge.set_assistant_policy(ctx, actor, workspace_id, policy)
    return body
