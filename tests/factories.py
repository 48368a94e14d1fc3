"""Test factories: a user, a workspace with members, accounts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from clairon.domain import Role, SocialAccount, User, Workspace
from clairon.services import accounts, users, workspaces
from clairon.services.context import Actor, Context

_counter = itertools.count(1)


@dataclass
class World:
    owner: User
    workspace: Workspace
    actor: Actor
    outbox: SocialAccount


def make_user(ctx: Context, name: str = "", password: str | None = "correct-horse") -> User:
    n = next(_counter)
    return users.create_user(ctx, f"{name or 'user'}{n}@example.org", name or f"User {n}",
                             password)


def make_world(ctx: Context, name: str = "Acme", *, require_approval: bool = True) -> World:
    owner = make_user(ctx, "owner")
    actor = Actor(owner.id)
    ws = workspaces.create_workspace(ctx, actor, name, timezone="Europe/Paris",
                                     languages=["fr", "en"], require_approval=require_approval)
    outbox = accounts.connect_account(ctx, actor, ws.id, "outbox", f"{name.lower()}-outbox")
    return World(owner=owner, workspace=ws, actor=actor, outbox=outbox)


def add_member(ctx: Context, world: World, role: Role) -> Actor:
    user = make_user(ctx, role.value)
    workspaces.invite_member(ctx, world.actor, world.workspace.id, user.email, role)
    return Actor(user.id)
