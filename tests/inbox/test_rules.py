"""Moderation rules (pure): validation, conditions, AND/OR/NOT groups, planned actions, dry-run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clairon.errors import ValidationFailed
from clairon.inbox.rules import PlannedAction, RuleItem, dry_run, evaluate, matches, parse_rule

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def item(text: str = "hello", **values: Any) -> RuleItem:
    return RuleItem(id=values.pop("id", 1), text=text, created_at=values.pop("at", NOW), **values)


@pytest.mark.parametrize(
    ("condition", "rule_item", "expected"),
    [
        ({"keywords": ["remboursé"]}, item("Je veux être REMBOURSE"), True),
        ({"keywords": ["free money"]}, item("get FREE   money now"), True),
        ({"keywords": ["ref"]}, item("refund please"), False),  # whole words only
        ({"regex": r"\bgive-?away\b"}, item("Big GIVEAWAY!"), True),
        ({"language": ["fr"]}, item(language="fr"), True),
        ({"language": ["fr"]}, item(language=None), False),
        ({"sentiment": ["negative"]}, item(sentiment="negative"), True),
        ({"intent": ["complaint", "question"]}, item(intent="praise"), False),
        ({"toxicity_at_least": 0.7}, item(toxicity=0.7), True),
        ({"contains_link": True}, item("see bit.ly/x"), True),
        ({"contains_link": True}, item("see https://x.example/a"), True),
        ({"contains_link": False}, item("no link here"), True),
        ({"emoji_only": True}, item("🔥🔥 👍🏽"), True),
        ({"emoji_only": True}, item("🔥 nice"), False),
        ({"followers_at_least": 10000}, item(author_followers=12000), True),
        ({"followers_below": 50}, item(author_followers=None), False),
        ({"first_time_author": True}, item(first_time_author=True), True),
        ({"not": {"language": ["en"]}}, item(language="fr"), True),
    ],
)
def test_each_condition(condition: dict[str, Any], rule_item: RuleItem, expected: bool) -> None:
    parse_rule({"name": "r", "when": condition, "actions": [{"type": "hide"}]})
    assert matches(condition, rule_item) is expected


def test_groups_combine_with_and_or() -> None:
    when = {
        "all": [
            {"any": [{"sentiment": ["negative"]}, {"toxicity_at_least": 0.8}]},
            {"followers_at_least": 1000},
        ]
    }
    actions = [{"type": "escalate"}, {"type": "assign", "user_id": 7}]
    rule = parse_rule({"name": "vip unhappy", "when": when, "actions": actions})
    items = [
        item(id=1, sentiment="negative", author_followers=5000),
        item(id=2, sentiment="negative", author_followers=10),
        item(id=3, toxicity=0.9, author_followers=2000),
    ]
    assert [(p.item_id, p.kind) for p in evaluate([rule], items)] == [
        (1, "escalate"), (1, "assign"), (3, "escalate"), (3, "assign"),
    ]  # fmt: skip


def test_validation_lists_every_problem() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_rule(
            {
                "name": "",
                "when": {"all": [{"regex": "("}, {"colour": "red"}, {"toxicity_at_least": "x"}]},
                "actions": [{"type": "explode"}, {"type": "label"}],
            }
        )
    locations = [p.location for p in caught.value.problems]
    assert locations == ["name", "when.all[0]", "when.all[1]", "when.all[2]", "actions[0]",
                         "actions[1]"]  # fmt: skip


def test_auto_reply_template_and_disabled_rules() -> None:
    actions = [{"type": "auto_reply", "template": "Thanks {author}!"}]
    reply = parse_rule({"name": "hi", "when": {"intent": ["question"]}, "actions": actions})
    off = parse_rule({"name": "off", "enabled": False, "when": {"intent": ["question"]},
                      "actions": [{"type": "hide"}]})  # fmt: skip
    planned = evaluate([reply, off], [item(intent="question", author="@ana")])
    assert planned == [
        PlannedAction("hi", 1, "auto_reply", {"template": "Thanks {author}!",
                                              "text": "Thanks @ana!"})
    ]  # fmt: skip


def test_dry_run_covers_the_last_30_days_only() -> None:
    rule = parse_rule({"name": "links", "when": {"contains_link": True},
                       "actions": [{"type": "hide"}]})  # fmt: skip
    items = [
        item("http://a.example", id=1, at=NOW - timedelta(days=29)),
        item("http://b.example", id=2, at=NOW - timedelta(days=31)),
    ]
    assert [p.item_id for p in dry_run([rule], items, now=NOW)] == [1]


_leaf = st.sampled_from(
    [{"sentiment": ["negative"]}, {"language": ["fr"]}, {"toxicity_at_least": 0.5},
     {"emoji_only": True}, {"keywords": ["promo"]}]
)  # fmt: skip
_tree = st.recursive(
    _leaf,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda c: {"all": c}),
        st.lists(children, min_size=1, max_size=3).map(lambda c: {"any": c}),
        children.map(lambda c: {"not": c}),
    ),
    max_leaves=8,
)
_items = st.builds(
    item,
    st.sampled_from(["promo du jour", "🔥", "hello"]),
    sentiment=st.sampled_from([None, "negative", "positive"]),
    language=st.sampled_from([None, "fr", "en"]),
    toxicity=st.floats(0, 1),
)


@given(_tree, _items)
def test_de_morgan_holds_for_any_condition_tree(tree: dict[str, Any], rule_item: RuleItem) -> None:
    parse_rule({"name": "t", "when": tree, "actions": [{"type": "hide"}]})
    assert matches({"not": tree}, rule_item) is not matches(tree, rule_item)
    if "all" in tree:
        negated = {"any": [{"not": c} for c in tree["all"]]}
        assert matches(negated, rule_item) is not matches(tree, rule_item)
