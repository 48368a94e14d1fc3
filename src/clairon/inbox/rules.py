"""Moderation rules: conditions combined with AND/OR, and the actions they plan. Pure: no I/O.

A rule reads like ``{"name": ..., "when": {"all": [...]} | {"any": [...]}, "actions": [...]}``.
Conditions (each may be nested groups ``{"all": [...]}`` / ``{"any": [...]}``)::

    {"keywords": ["refund", "scam"]}     any word or phrase, case- and accent-insensitive
    {"regex": "\\bgiveaway\\b"}          a regular expression (case-insensitive)
    {"language": ["fr", "en"]}           {"sentiment": ["negative"]}   {"intent": ["complaint"]}
    {"toxicity_at_least": 0.7}           {"contains_link": true}       {"emoji_only": true}
    {"followers_at_least": 10000}        {"followers_below": 50}       {"first_time_author": true}
    {"not": {...}}                       negation of any condition or group

Actions: ``hide``, ``delete``, ``label`` (``value``), ``assign`` (``user_id``), ``auto_reply``
(``template``, ``{author}`` is replaced), ``escalate``, ``notify`` (``target``). Planning them
never changes anything; :mod:`clairon.services.moderation` applies them, reversibly.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import regex

from clairon.errors import Problem, ValidationFailed

__all__ = [
    "ACTIONS",
    "PlannedAction",
    "Rule",
    "RuleItem",
    "dry_run",
    "evaluate",
    "matches",
    "parse_rule",
]

ACTIONS = ("hide", "delete", "label", "assign", "auto_reply", "escalate", "notify")
_REQUIRED = {"label": "value", "assign": "user_id", "auto_reply": "template", "notify": "target"}
_LINK = regex.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|fr|net|org|io|ly|co)\b", regex.I)
_EMOJI_ONLY = regex.compile(r"^[\s\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f]+$")
_WORDS = regex.compile(r"[\w@#]+")
_LEAF_KINDS = (
    "keywords", "regex", "language", "sentiment", "intent", "toxicity_at_least",
    "contains_link", "emoji_only", "followers_at_least", "followers_below", "first_time_author",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RuleItem:
    """What a rule may look at: one inbox item and its triage labels."""

    id: int
    text: str
    created_at: datetime
    language: str | None = None
    sentiment: str | None = None
    intent: str | None = None
    toxicity: float = 0.0
    author_followers: int | None = None
    first_time_author: bool = False
    author: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    when: Mapping[str, Any]
    actions: tuple[Mapping[str, Any], ...]
    id: str = ""
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """One action a rule would take on one item (the evidence: which rule, which item)."""

    rule: str
    item_id: int
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> str:
    """Folded words padded with spaces, so phrases match on word boundaries only."""
    return " " + " ".join(_WORDS.findall(_fold(text))) + " "


def _check_condition(node: object, where: str, problems: list[Problem]) -> None:
    if not isinstance(node, Mapping) or len(node) != 1:
        problems.append(Problem(where, "a condition is an object with exactly one key"))
        return
    ((kind, value),) = node.items()
    if kind in ("all", "any"):
        if not isinstance(value, list) or not value:
            problems.append(Problem(where, f"'{kind}' needs a non-empty list"))
            return
        for i, child in enumerate(value):
            _check_condition(child, f"{where}.{kind}[{i}]", problems)
    elif kind == "not":
        _check_condition(value, f"{where}.not", problems)
    elif kind not in _LEAF_KINDS:
        problems.append(Problem(where, f"unknown condition '{kind}'"))
    elif kind == "regex":
        try:
            regex.compile(str(value))
        except regex.error as exc:
            problems.append(Problem(where, f"invalid regex: {exc}"))
    elif kind in ("keywords", "language", "sentiment", "intent") and not (
        isinstance(value, list) and value and all(isinstance(v, str) for v in value)
    ):
        problems.append(Problem(where, f"'{kind}' needs a non-empty list of strings"))
    elif kind in ("toxicity_at_least", "followers_at_least", "followers_below") and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        problems.append(Problem(where, f"'{kind}' needs a number"))
    elif kind in ("contains_link", "emoji_only", "first_time_author") and not isinstance(
        value, bool
    ):
        problems.append(Problem(where, f"'{kind}' needs true or false"))


def parse_rule(data: Mapping[str, Any]) -> Rule:
    """A validated rule; every fault is listed in :class:`ValidationFailed`."""
    problems: list[Problem] = []
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem("name", "a rule needs a name"))
    _check_condition(data.get("when"), "when", problems)
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions:
        problems.append(Problem("actions", "a rule needs at least one action"))
        actions = []
    for i, action in enumerate(actions):
        kind = action.get("type") if isinstance(action, Mapping) else None
        if kind not in ACTIONS:
            problems.append(Problem(f"actions[{i}]", f"unknown action {kind!r}"))
        elif kind in _REQUIRED and _REQUIRED[kind] not in action:
            problems.append(Problem(f"actions[{i}]", f"'{kind}' needs '{_REQUIRED[kind]}'"))
    if problems:
        raise ValidationFailed(problems)
    return Rule(
        str(name), dict(data["when"]), tuple(dict(a) for a in actions), str(data.get("id") or name),
        bool(data.get("enabled", True)),
    )  # fmt: skip


def matches(condition: Mapping[str, Any], item: RuleItem) -> bool:
    """Whether ``item`` satisfies a (validated) condition tree."""
    ((kind, value),) = condition.items()
    if kind == "all":
        return all(matches(c, item) for c in value)
    if kind == "any":
        return any(matches(c, item) for c in value)
    if kind == "not":
        return not matches(value, item)
    if kind == "keywords":
        text = _words(item.text)
        return any(_words(str(k)) in text for k in value)
    if kind == "regex":
        return regex.search(str(value), item.text, regex.IGNORECASE) is not None
    if kind in ("language", "sentiment", "intent"):
        return bool(getattr(item, kind) in value)
    if kind == "toxicity_at_least":
        return item.toxicity >= float(value)
    if kind == "contains_link":
        return (_LINK.search(item.text) is not None) == bool(value)
    if kind == "emoji_only":
        return (_EMOJI_ONLY.match(item.text) is not None) == bool(value)
    if kind == "followers_at_least":
        return item.author_followers is not None and item.author_followers >= float(value)
    if kind == "followers_below":
        return item.author_followers is not None and item.author_followers < float(value)
    if kind == "first_time_author":
        return item.first_time_author == bool(value)
    raise ValueError(f"unknown condition '{kind}'")  # parse_rule refuses it first


def _params(action: Mapping[str, Any], item: RuleItem) -> dict[str, Any]:
    params = {k: v for k, v in action.items() if k != "type"}
    if action["type"] == "auto_reply":
        params["text"] = str(action["template"]).replace("{author}", item.author)
    return params


def evaluate(rules: Sequence[Rule], items: Iterable[RuleItem]) -> list[PlannedAction]:
    """Every action every enabled rule plans, item by item, in rule order."""
    planned: list[PlannedAction] = []
    for item in items:
        for rule in rules:
            if rule.enabled and matches(rule.when, item):
                planned.extend(
                    PlannedAction(rule.id, item.id, str(a["type"]), _params(a, item))
                    for a in rule.actions
                )
    return planned


def dry_run(
    rules: Sequence[Rule], items: Iterable[RuleItem], *, now: datetime, days: int = 30
) -> list[PlannedAction]:
    """What the rules would have done on the items of the last ``days`` days."""
    since = now - timedelta(days=days)
    return evaluate(rules, (i for i in items if i.created_at >= since))
