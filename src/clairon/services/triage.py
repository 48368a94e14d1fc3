"""Triage of inbox items: language, sentiment, toxicity, spam, personal data, intent and
priority from the shipped models (``clairon.inbox.triage_batch``), stored on each item.

The fast path labels every new item in batches (the worker's ``triage_inbox`` job); items the
fast path is unsure about can be re-labelled by the slower second stage. Workspace phrase rules
(``workspace.settings["sentiment_overrides"]``: phrase → sentiment) override the model."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clairon.domain import Action, InboxItem
from clairon.errors import ConfigError
from clairon.services import moderation
from clairon.services.context import SYSTEM, Actor, Context, audit, authorize
from clairon.store import inbox as repo
from clairon.store import workspaces as ws_repo

__all__ = ["TriageSummary", "triage_items", "triage_pending", "triage_since"]

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class TriageSummary:
    labelled: int = 0
    second_stage: int = 0
    by_sentiment: Counter[str] = field(default_factory=Counter)
    by_intent: Counter[str] = field(default_factory=Counter)
    urgent: list[tuple[int, int, str]] = field(default_factory=list)  # (priority, id, text)


def _record(result: Any, now: datetime) -> dict[str, Any]:
    return {
        "sentiment": result.sentiment,
        "sentiment_proba": {k: round(float(v), 4) for k, v in result.sentiment_proba.items()},
        "toxicity": round(float(result.toxicity), 4),
        "offensive": bool(result.offensive),
        "spam": round(float(result.spam), 4),
        "is_spam": bool(result.is_spam),
        "spam_reasons": list(result.spam_reasons),
        "pii": sorted(set(result.pii_kinds)),
        "intent": result.intent,
        "priority": int(result.priority),
        "stage": result.stage,
        "unsure": bool(result.unsure),
        "error": result.error,
        "override": result.override,
        "triaged_at": now.isoformat(),
    }


def triage_items(
    ctx: Context,
    items: Sequence[InboxItem],
    *,
    second_stage: bool = False,
    actor: Actor = SYSTEM,
    progress: Callable[[int], None] | None = None,
) -> TriageSummary:
    """Label the given items (in batches) and store the labels; one audit event per batch."""
    summary = TriageSummary()
    if not items:
        return summary
    from clairon.inbox import triage_batch

    now = ctx.now()
    settings_of: dict[int, tuple[tuple[str, ...], dict[str, str]]] = {}
    with ctx.store.transaction() as conn:
        for ws_id in {i.workspace_id for i in items}:
            authorize(conn, actor, ws_id, Action.engage)
            ws = ws_repo.get_workspace(conn, ws_id)
            assert ws is not None
            overrides = ws.settings.get("sentiment_overrides") or {}
            settings_of[ws_id] = (ws.languages, {str(k): str(v) for k, v in overrides.items()})
    for ws_id, (languages, overrides) in settings_of.items():
        group = [i for i in items if i.workspace_id == ws_id]
        for start in range(0, len(group), BATCH):
            chunk = group[start : start + BATCH]
            results = triage_batch(
                [i.text for i in chunk],
                second_stage=second_stage,
                allowed_languages=languages or None,
                overrides=overrides or None,
                followers=[_followers(i) for i in chunk],
                age_seconds=[max(0.0, (now - i.created_at).total_seconds()) for i in chunk],
            )
            with ctx.store.transaction() as conn:
                for item, result in zip(chunk, results, strict=True):
                    record = _record(result, now)
                    if "author_followers" in item.triage:
                        record["author_followers"] = item.triage["author_followers"]
                    repo.update_item(
                        conn, item.id, language=result.language or "und", triage=record
                    )
                    summary.labelled += 1
                    summary.second_stage += result.stage == "second"
                    summary.by_sentiment[result.sentiment] += 1
                    summary.by_intent[result.intent] += 1
                    summary.urgent.append((int(result.priority), item.id, item.text))
                audit(
                    conn,
                    ctx,
                    actor,
                    ws_id,
                    "inbox.triage",
                    "workspace",
                    ws_id,
                    after={"items": len(chunk), "second_stage": second_stage},
                )
            if progress is not None:
                progress(len(chunk))
    summary.urgent = sorted(summary.urgent, reverse=True)[:10]
    return summary


def _followers(item: InboxItem) -> int | None:
    value = item.triage.get("author_followers")
    return int(value) if isinstance(value, int | float) else None


def triage_pending(ctx: Context, *, limit: int = BATCH) -> TriageSummary:
    """The fast path on items not labelled yet (every workspace), then the second stage on
    the ones it was unsure about."""
    with ctx.store.transaction() as conn:
        pending = repo.untriaged_items(conn, limit=limit)
    summary = triage_items(ctx, pending)
    if pending:
        ids = {i.id for i in pending}
        with ctx.store.transaction() as conn:
            unsure = [
                i
                for i in (repo.get_item(conn, x) for x in ids)
                if i is not None and i.triage.get("unsure")
            ]
        if unsure:
            try:
                summary.second_stage += triage_items(ctx, unsure, second_stage=True).second_stage
            except ConfigError as exc:  # the optional second stage is not installed
                log.warning("second stage skipped: %s", exc)
        _apply_stored_rules(ctx, pending)
    return summary


def _apply_stored_rules(ctx: Context, items: Sequence[InboxItem]) -> None:
    """The workspaces' enabled rules on the items just labelled (reversible, audit-logged)."""
    for ws_id in {i.workspace_id for i in items}:
        group = [i for i in items if i.workspace_id == ws_id]
        since = min(i.created_at for i in group)
        ids = {i.id for i in group}
        moderation.apply_rules(ctx, SYSTEM, ws_id, since=since, item_ids=ids)


def triage_since(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    since: datetime,
    *,
    second_stage: bool = False,
    progress: Callable[[int], None] | None = None,
) -> TriageSummary:
    """(Re-)label a workspace's items created since a moment (``clairon inbox triage``)."""
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.engage)
        items = repo.items_since(conn, workspace_id, since)
    return triage_items(ctx, items, second_stage=second_stage, actor=actor, progress=progress)
