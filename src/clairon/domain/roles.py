"""Roles within a workspace and what each may do."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Action", "Role", "role_allows"]


class Role(StrEnum):
    owner = "owner"
    editor = "editor"
    approver = "approver"
    analyst = "analyst"
    viewer = "viewer"


class Action(StrEnum):
    read = "read"
    compose = "compose"  # create/edit posts and variants, submit for review
    approve = "approve"  # approve/reject in review
    schedule = "schedule"  # schedule, cancel, publish now
    engage = "engage"  # reply/hide/label inbox items
    analyse = "analyse"  # read analytics, export reports
    manage = "manage"  # members, accounts, workspace settings, rules


_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.owner: frozenset(Action),
    Role.editor: frozenset(
        {Action.read, Action.compose, Action.schedule, Action.engage, Action.analyse}
    ),
    Role.approver: frozenset(
        {
            Action.read,
            Action.compose,
            Action.approve,
            Action.schedule,
            Action.engage,
            Action.analyse,
        }
    ),
    Role.analyst: frozenset({Action.read, Action.analyse}),
    Role.viewer: frozenset({Action.read}),
}


def role_allows(role: Role, action: Action) -> bool:
    return action in _ALLOWED[role]
