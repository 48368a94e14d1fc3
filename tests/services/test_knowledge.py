"""A workspace's knowledge base: import, isolation, answers under its auto-send policy."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from clairon.domain import Role
from clairon.errors import NotFound, PermissionDenied, ValidationFailed
from clairon.inbox import assistant as assistant_module
from clairon.inbox.assistant import Question
from clairon.inbox.kb import KBEntry
from clairon.services import knowledge, workspaces
from clairon.services.context import Actor, Context
from clairon.services.demo import DEMO_USERS, seed_demo
from clairon.store import workspaces as ws_repo
from tests.factories import add_member, make_world

ENTRIES = [
    KBEntry("ship", "How much does shipping cost?", "Shipping costs €4.90.", "en", ("shipping",)),
    KBEntry("hours", "What are your opening hours?", "We open at 10 am.", "en"),
]


def test_import_updates_by_id_and_stays_in_its_workspace(ctx: Context) -> None:
    world, other = make_world(ctx), make_world(ctx, "Other")
    assert knowledge.import_kb(ctx, world.actor, world.workspace.id, ENTRIES) == (2, 0)
    changed = KBEntry("ship", "How much does shipping cost?", "Free from €60.", "en")
    assert knowledge.import_kb(ctx, world.actor, world.workspace.id, [changed]) == (0, 1)
    kb = knowledge.list_kb(ctx, world.actor, world.workspace.id)
    assert [(e.id, e.answer) for e in kb] == [
        ("ship", "Free from €60."),
        ("hours", "We open at 10 am."),
    ]
    assert len(knowledge.list_kb(ctx, other.actor, other.workspace.id)) == 0
    with pytest.raises(NotFound):
        knowledge.list_kb(ctx, other.actor, world.workspace.id)
    viewer = add_member(ctx, world, Role.viewer)
    with pytest.raises(PermissionDenied):
        knowledge.import_kb(ctx, viewer, world.workspace.id, ENTRIES)
    assert knowledge.clear_kb(ctx, world.actor, world.workspace.id) == 2
    with pytest.raises(NotFound, match="no knowledge base"):
        knowledge.answer_for_workspace(ctx, world.actor, world.workspace.id, ["hi"])


def _neutral(questions: Sequence[Question], languages: Sequence[str]) -> list[object]:
    return [assistant_module._Signals("en", "neutral", "question", 0.0) for _ in questions]


def test_answers_follow_the_workspace_auto_send_setting(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assistant_module, "_signals", _neutral)  # policy only, not triage quality
    world = make_world(ctx)
    knowledge.import_kb(ctx, world.actor, world.workspace.id, ENTRIES)
    question = ["How much does shipping cost?"]
    (held,) = knowledge.answer_for_workspace(ctx, world.actor, world.workspace.id, question)
    assert (held.entry_id, held.handoff, held.reason) == ("ship", True, "auto_send_disabled")
    policy = knowledge.AssistantPolicy(auto_send=True, threshold=0.5)
    knowledge.set_assistant_policy(ctx, world.actor, world.workspace.id, policy)
    assert knowledge.assistant_policy(ctx, world.actor, world.workspace.id) == policy
    (sent,) = knowledge.answer_for_workspace(ctx, world.actor, world.workspace.id, question)
    assert (sent.entry_id, sent.handoff, sent.reason) == ("ship", False, "auto_send")


def test_workspace_synonyms_reach_the_lexical_side(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assistant_module, "_signals", _neutral)
    world = make_world(ctx)
    knowledge.import_kb(ctx, world.actor, world.workspace.id, ENTRIES)
    before = knowledge.answer_for_workspace(ctx, world.actor, world.workspace.id, ["zorglub?"])
    assert before[0].candidates[0][1] < 0.5 or before[0].handoff
    rings = "delivery: zorglub\n"  # a built-in concept's name: the word joins that ring
    knowledge.set_assistant_policy(
        ctx, world.actor, world.workspace.id, knowledge.AssistantPolicy(synonyms=rings)
    )
    (after,) = knowledge.answer_for_workspace(ctx, world.actor, world.workspace.id, ["zorglub?"])
    assert after.entry_id == "ship"
    assert dict(after.candidates)["ship"] > dict(before[0].candidates).get("ship", 0.0)


def test_a_bad_policy_names_every_fault_and_changes_nothing(ctx: Context) -> None:
    world = make_world(ctx)
    bad = knowledge.AssistantPolicy(auto_send=True, threshold=0.2, synonyms="ok: a\nno colon\n")
    with pytest.raises(ValidationFailed) as caught:
        knowledge.set_assistant_policy(ctx, world.actor, world.workspace.id, bad)
    assert [p.location for p in caught.value.problems] == ["threshold", "synonyms:line 2"]
    assert knowledge.assistant_policy(ctx, world.actor, world.workspace.id).auto_send is False
    editor = add_member(ctx, world, Role.editor)
    with pytest.raises(PermissionDenied):
        knowledge.set_assistant_policy(
            ctx, editor, world.workspace.id, knowledge.AssistantPolicy(auto_send=True)
        )


def test_demo_brands_have_a_knowledge_base_answering_their_comments(ctx: Context) -> None:
    seed_demo(ctx, weeks=1)
    with ctx.store.transaction() as conn:
        owner = ws_repo.get_user_by_email(conn, DEMO_USERS[0])
    assert owner is not None
    actor = Actor(owner.id)
    by_name = {w.name: w.id for w, _ in workspaces.list_my_workspaces(ctx, actor)}
    asked = {
        "Maison Lumière": ("Est-ce que c'est adapté aux peaux sensibles ?", "fr-peaux-sensibles"),
        "Northwind Coffee": ("Do you ship to Toronto?", "en-shipping"),
    }
    for name, (question, expected) in asked.items():
        (answer,) = knowledge.answer_for_workspace(ctx, actor, by_name[name], [question])
        assert answer.entry_id == expected, (name, answer.candidates)
