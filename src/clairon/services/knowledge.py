"""A workspace's FAQ knowledge base: import, list, clear, and answer questions from it.

The workspace's assistant policy (:class:`AssistantPolicy`, changed by its managers) decides
whether confident answers may be sent without a human (``assistant_auto_send``, default false;
``assistant_threshold``, default 0.8) and adds its own synonym rings to the built-in thesaurus
(``assistant_synonyms``: brand words, product names, the customers' own slang).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from clairon.domain import Action
from clairon.errors import NotFound, Problem, ValidationFailed
from clairon.inbox.assistant import (
    DEFAULT_THRESHOLD,
    AssistantAnswer,
    FaqAssistant,
    Question,
    thesaurus_with,
)
from clairon.inbox.kb import KBEntry, KnowledgeBase
from clairon.inbox.thesaurus import Thesaurus
from clairon.services.context import Actor, Context, audit, authorize
from clairon.store import inbox as inbox_repo
from clairon.store import moderation as repo
from clairon.store import workspaces as ws_repo

__all__ = [
    "AssistantPolicy",
    "answer_for_workspace",
    "assistant_policy",
    "clear_kb",
    "delete_entry",
    "import_kb",
    "list_kb",
    "set_assistant_policy",
    "suggest_reply",
]

MIN_THRESHOLD = 0.5  # below this, auto-send would send guesses
MAX_SYNONYMS_CHARS = 100_000


@dataclass(frozen=True, slots=True)
class AssistantPolicy:
    """How the assistant answers for one workspace."""

    auto_send: bool = False
    threshold: float = DEFAULT_THRESHOLD
    synonyms: str = ""  # extra rings, one "concept: word | phrase | ..." a line

    def thesaurus(self) -> Thesaurus:
        """The built-in rings plus the workspace's (``ValidationFailed`` names a bad line)."""
        thesaurus = thesaurus_with(())
        thesaurus.add_text(self.synonyms, source="synonyms")
        return thesaurus


def _policy_of(settings: Mapping[str, Any]) -> AssistantPolicy:
    default = AssistantPolicy()
    return AssistantPolicy(
        auto_send=bool(settings.get("assistant_auto_send", default.auto_send)),
        threshold=float(settings.get("assistant_threshold", default.threshold)),
        synonyms=str(settings.get("assistant_synonyms", default.synonyms)),
    )


def assistant_policy(ctx: Context, actor: Actor, workspace_id: int) -> AssistantPolicy:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        workspace = ws_repo.get_workspace(conn, workspace_id)
    assert workspace is not None
    return _policy_of(workspace.settings)


def set_assistant_policy(
    ctx: Context, actor: Actor, workspace_id: int, policy: AssistantPolicy
) -> AssistantPolicy:
    """Change the workspace's policy (``manage`` right); every fault is reported at once and
    nothing is changed when there is one."""
    with ctx.store.transaction() as conn:  # who may, before what is wrong with the input
        authorize(conn, actor, workspace_id, Action.manage)
    problems: list[Problem] = []
    if not MIN_THRESHOLD <= policy.threshold <= 1.0:
        problems.append(
            Problem("threshold", f"must be between {MIN_THRESHOLD} and 1 (got {policy.threshold})")
        )
    if len(policy.synonyms) > MAX_SYNONYMS_CHARS:
        problems.append(Problem("synonyms", f"longer than {MAX_SYNONYMS_CHARS:,} characters"))
    else:
        try:
            policy.thesaurus()
        except ValidationFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationFailed(problems)
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.manage)
        workspace = ws_repo.get_workspace(conn, workspace_id)
        assert workspace is not None
        before = _policy_of(workspace.settings)
        settings = dict(workspace.settings)
        settings.update(
            assistant_auto_send=policy.auto_send,
            assistant_threshold=policy.threshold,
            assistant_synonyms=policy.synonyms,
        )
        ws_repo.update_workspace(conn, workspace_id, settings=settings)
        audit(conn, ctx, actor, workspace_id, "assistant.policy", "workspace", workspace_id,
              before=asdict(before), after=asdict(policy))  # fmt: skip
    return policy


def import_kb(
    ctx: Context, actor: Actor, workspace_id: int, kb: KnowledgeBase | Sequence[KBEntry]
) -> tuple[int, int]:
    """Add the entries (an entry with a known id is updated). Returns (added, updated)."""
    entries = kb.entries if isinstance(kb, KnowledgeBase) else tuple(kb)
    added = updated = 0
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.compose)
        now = ctx.now()
        for entry in entries:
            new = repo.upsert_kb_entry(
                conn, workspace_id, entry_key=entry.id, question=entry.question,
                answer=entry.answer, language=entry.language, tags=list(entry.tags),
                url=entry.url, updated_at=now,
            )  # fmt: skip
            added += new
            updated += not new
        audit(conn, ctx, actor, workspace_id, "kb.import", "workspace", workspace_id,
              after={"added": added, "updated": updated})  # fmt: skip
    return added, updated


def list_kb(ctx: Context, actor: Actor, workspace_id: int) -> KnowledgeBase:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        rows = repo.list_kb_entries(conn, workspace_id)
    return KnowledgeBase(
        tuple(
            KBEntry(r["entry_key"], r["question"], r["answer"], r["language"],
                    tuple(r["tags"]), r["url"])
            for r in rows
        )
    )  # fmt: skip


def clear_kb(ctx: Context, actor: Actor, workspace_id: int) -> int:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.compose)
        removed = repo.delete_kb_entries(conn, workspace_id)
        audit(conn, ctx, actor, workspace_id, "kb.clear", "workspace", workspace_id,
              before={"entries": removed})  # fmt: skip
    return removed


def delete_entry(ctx: Context, actor: Actor, workspace_id: int, entry_id: str) -> None:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.compose)
        if not repo.delete_kb_entry(conn, workspace_id, entry_id):
            raise NotFound(f"knowledge base entry '{entry_id}' not found")
        audit(conn, ctx, actor, workspace_id, "kb.delete", "kb_entry", entry_id)


def answer_for_workspace(
    ctx: Context, actor: Actor, workspace_id: int, questions: Sequence[Question | str]
) -> list[AssistantAnswer]:
    """Answer from the workspace's knowledge base under the workspace's auto-send policy."""
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        workspace = ws_repo.get_workspace(conn, workspace_id)
    assert workspace is not None
    kb = list_kb(ctx, actor, workspace_id)
    if not kb.entries:
        raise NotFound(f"workspace {workspace_id} has no knowledge base: import one first")
    policy = _policy_of(workspace.settings)
    assistant = FaqAssistant(kb, settings=ctx.settings, thesaurus=policy.thesaurus())
    return assistant.answer(
        list(questions), allow_auto_send=policy.auto_send, threshold=policy.threshold
    )


def suggest_reply(ctx: Context, actor: Actor, item_id: int) -> AssistantAnswer:
    """The assistant's drafted reply to one inbox item (computed on demand, nothing stored)."""
    with ctx.store.transaction() as conn:
        item = inbox_repo.get_item(conn, item_id)
        if item is None:
            raise NotFound(f"inbox item {item_id} not found")
        authorize(conn, actor, item.workspace_id, Action.read)
    language = item.language if item.language and item.language != "und" else None
    question = Question(item.text, id=str(item.id), language=language)
    (answer,) = answer_for_workspace(ctx, actor, item.workspace_id, [question])
    return answer
