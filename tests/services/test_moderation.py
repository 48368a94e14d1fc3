"""Moderation service: rules applied reversibly and logged; a dry-run never writes anything."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from clairon.domain import Role
from clairon.errors import Conflict, NotFound, PermissionDenied
from clairon.inbox.rules import Rule, parse_rule
from clairon.networks.base import RemoteComment
from clairon.services import inbox as inbox_service
from clairon.services import moderation
from clairon.services.context import Context
from clairon.store import inbox as inbox_repo
from clairon.store.tables import metadata
from tests.factories import World, add_member, make_world

RULES = [
    parse_rule({"name": "links", "when": {"all": [{"contains_link": True},
                                                  {"first_time_author": True}]},
                "actions": [{"type": "hide"}, {"type": "label", "value": "spam?"}]}),
    parse_rule({"name": "angry vip", "when": {"all": [{"sentiment": ["negative"]},
                                                      {"followers_at_least": 1000}]},
                "actions": [{"type": "escalate"}, {"type": "notify", "target": "#support"},
                            {"type": "auto_reply", "template": "Sorry {author}, we're on it."}]}),
    parse_rule({"name": "delete abuse", "when": {"toxicity_at_least": 0.9},
                "actions": [{"type": "delete"}]}),
]  # fmt: skip


def _seed(ctx: Context, world: World) -> list[int]:
    now = ctx.now()
    comments = [
        RemoteComment("c1", None, "@new", "win at http://spam.example", now - timedelta(hours=1)),
        RemoteComment("c2", None, "@vip", "this is terrible", now - timedelta(days=2),
                      author_followers=50_000),
        RemoteComment("c3", None, "@troll", "you idiots", now - timedelta(days=10)),
        RemoteComment("c4", None, "@old", "old link http://x.example", now - timedelta(days=40)),
        RemoteComment("c5", None, "@fan", "love it", now - timedelta(hours=2)),
    ]  # fmt: skip
    ids = inbox_service.ingest_comments(ctx, world.outbox.id, comments)
    triage = {"c2": {"sentiment": "negative", "author_followers": 50_000}, "c3": {"toxicity": 0.95}}
    with ctx.store.transaction() as conn:
        for item_id, comment in zip(ids, comments, strict=True):
            if comment.network_item_id in triage:
                inbox_repo.update_item(conn, item_id, triage=triage[comment.network_item_id])
    return ids


def _dump(ctx: Context) -> dict[str, list[tuple[Any, ...]]]:
    with ctx.store.engine.connect() as conn:
        return {
            t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr)
            for t in metadata.sorted_tables
        }


def test_dry_run_reports_the_last_30_days_and_writes_nothing(ctx: Context) -> None:
    world = make_world(ctx)
    ids = _seed(ctx, world)
    before = _dump(ctx)
    planned = moderation.dry_run_rules(ctx, world.actor, world.workspace.id, RULES)
    assert _dump(ctx) == before
    assert [(p.rule, p.item_id, p.kind) for p in planned] == [
        ("delete abuse", ids[2], "delete"),
        ("angry vip", ids[1], "escalate"),
        ("angry vip", ids[1], "notify"),
        ("angry vip", ids[1], "auto_reply"),
        ("links", ids[0], "hide"),
        ("links", ids[0], "label"),
    ]  # the 40-day-old link is outside the window; oldest item first


def test_every_applied_action_is_logged_and_undoable(ctx: Context) -> None:
    world = make_world(ctx)
    ids = _seed(ctx, world)
    with ctx.store.transaction() as conn:
        originals = {i: inbox_repo.get_item(conn, i) for i in ids}
    applied = moderation.apply_rules(
        ctx, world.actor, world.workspace.id, RULES, since=ctx.now() - timedelta(days=30)
    )
    assert sorted(a.kind for a in applied) == sorted(
        ["delete", "escalate", "notify", "auto_reply", "hide", "label"]
    )
    with ctx.store.transaction() as conn:
        spam = inbox_repo.get_item(conn, ids[0])
        vip = inbox_repo.get_item(conn, ids[1])
    assert spam is not None and spam.status == "hidden" and "spam?" in spam.labels
    assert vip is not None and "escalated" in vip.labels
    assert vip.triage["pending_replies"] == [{"text": "Sorry @vip, we're on it.",
                                              "rule": "angry vip"}]  # fmt: skip
    # Applying the same rules again changes nothing and logs nothing.
    assert (
        moderation.apply_rules(
            ctx, world.actor, world.workspace.id, RULES, since=ctx.now() - timedelta(days=30)
        )
        == []
    )
    for action in reversed(applied):  # newest first, like a user walking back
        moderation.undo_action(ctx, world.actor, action.event_id)
    with ctx.store.transaction() as conn:
        assert {i: inbox_repo.get_item(conn, i) for i in ids} == originals
    with pytest.raises(Conflict, match="already undone"):
        moderation.undo_action(ctx, world.actor, applied[0].event_id)


def test_undo_refuses_when_the_item_changed_since(ctx: Context) -> None:
    world = make_world(ctx)
    ids = _seed(ctx, world)
    rules: list[Rule] = [RULES[2]]
    (deleted,) = moderation.apply_rules(ctx, world.actor, world.workspace.id, rules,
                                        since=ctx.now() - timedelta(days=30))  # fmt: skip
    inbox_service.set_item_status(ctx, world.actor, ids[2], "done")
    with pytest.raises(Conflict, match="changed since"):
        moderation.undo_action(ctx, world.actor, deleted.event_id)


def test_permissions_and_unknown_actions(ctx: Context) -> None:
    world = make_world(ctx)
    _seed(ctx, world)
    viewer = add_member(ctx, world, Role.viewer)
    assert moderation.dry_run_rules(ctx, viewer, world.workspace.id, RULES)  # reading is allowed
    with pytest.raises(PermissionDenied):
        moderation.apply_rules(ctx, viewer, world.workspace.id, RULES)
    with pytest.raises(NotFound):
        moderation.undo_action(ctx, world.actor, 999_999)


def test_only_managers_change_stored_rules(ctx: Context) -> None:
    world = make_world(ctx)
    editor = add_member(ctx, world, Role.editor)
    rule = {"name": "hide links", "when": {"contains_link": True}, "actions": [{"type": "hide"}]}
    with pytest.raises(PermissionDenied):
        moderation.save_rule(ctx, editor, world.workspace.id, rule)
    moderation.save_rule(ctx, world.actor, world.workspace.id, rule)
    with pytest.raises(PermissionDenied):
        moderation.delete_rule(ctx, editor, world.workspace.id, "hide links")
    stored = moderation.list_rules(ctx, editor, world.workspace.id)
    assert [r.name for r in stored] == ["hide links"]


def test_stored_rules_are_used_by_default(ctx: Context) -> None:
    world = make_world(ctx)
    ids = _seed(ctx, world)
    ws = world.workspace.id
    when = {"toxicity_at_least": 0.9}
    label = {"name": "abuse", "when": when, "actions": [{"type": "label", "value": "x"}]}
    moderation.save_rule(ctx, world.actor, ws, label)
    moderation.save_rule(ctx, world.actor, ws, {**label, "actions": [{"type": "hide"}]})
    assert [r.name for r in moderation.list_rules(ctx, world.actor, ws)] == ["abuse"]
    planned = moderation.dry_run_rules(ctx, world.actor, ws)
    assert [(p.item_id, p.kind) for p in planned] == [(ids[2], "hide")]
    moderation.delete_rule(ctx, world.actor, ws, "abuse")
    assert moderation.dry_run_rules(ctx, world.actor, ws) == []
    with pytest.raises(NotFound):
        moderation.delete_rule(ctx, world.actor, ws, "abuse")
