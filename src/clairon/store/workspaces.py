"""Workspaces, users, memberships and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clairon.domain import Membership, Role, User, Workspace
from clairon.store.rows import to_user, to_workspace
from clairon.store.tables import api_tokens, memberships, users, workspaces

__all__ = [
    "add_api_token",
    "get_membership",
    "get_user",
    "get_user_by_email",
    "get_workspace",
    "insert_user",
    "insert_workspace",
    "list_members",
    "list_workspaces_of",
    "password_hash_of",
    "set_membership",
    "update_workspace",
    "user_by_token_hash",
    "workspace_by_slug",
]


def insert_workspace(conn: Connection, **values: Any) -> Workspace:
    new_id = conn.execute(insert(workspaces).values(**values)).inserted_primary_key[0]  # type: ignore[index]
    ws = get_workspace(conn, int(new_id))
    assert ws is not None
    return ws


def get_workspace(conn: Connection, workspace_id: int) -> Workspace | None:
    row = conn.execute(select(workspaces).where(workspaces.c.id == workspace_id)).mappings().first()
    return to_workspace(row) if row else None


def workspace_by_slug(conn: Connection, slug: str) -> Workspace | None:
    row = conn.execute(select(workspaces).where(workspaces.c.slug == slug)).mappings().first()
    return to_workspace(row) if row else None


def update_workspace(conn: Connection, workspace_id: int, **values: Any) -> None:
    conn.execute(update(workspaces).where(workspaces.c.id == workspace_id).values(**values))


def list_workspaces_of(conn: Connection, user_id: int) -> list[tuple[Workspace, Role]]:
    q = (
        select(workspaces, memberships.c.role)
        .join(memberships, memberships.c.workspace_id == workspaces.c.id)
        .where(memberships.c.user_id == user_id)
        .order_by(workspaces.c.name)
    )
    return [(to_workspace(r), Role(r["role"])) for r in conn.execute(q).mappings()]


def insert_user(conn: Connection, **values: Any) -> User:
    new_id = conn.execute(insert(users).values(**values)).inserted_primary_key[0]  # type: ignore[index]
    user = get_user(conn, int(new_id))
    assert user is not None
    return user


def get_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return to_user(row) if row else None


def get_user_by_email(conn: Connection, email: str) -> User | None:
    row = conn.execute(select(users).where(users.c.email == email.lower())).mappings().first()
    return to_user(row) if row else None


def password_hash_of(conn: Connection, user_id: int) -> str | None:
    value = conn.execute(select(users.c.password_hash).where(users.c.id == user_id)).scalar()
    return str(value) if value else None


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def get_membership(conn: Connection, workspace_id: int, user_id: int) -> Membership | None:
    row = (
        conn.execute(
            select(memberships).where(
                memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id
            )
        )
        .mappings()
        .first()
    )
    return Membership(row["workspace_id"], row["user_id"], Role(row["role"])) if row else None


def set_membership(conn: Connection, workspace_id: int, user_id: int, role: Role) -> None:
    existing = get_membership(conn, workspace_id, user_id)
    if existing is None:
        conn.execute(
            insert(memberships).values(workspace_id=workspace_id, user_id=user_id, role=role.value)
        )
    else:
        conn.execute(
            update(memberships)
            .where(memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id)
            .values(role=role.value)
        )


def list_members(conn: Connection, workspace_id: int) -> list[tuple[User, Role]]:
    q = (
        select(users, memberships.c.role)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.workspace_id == workspace_id)
        .order_by(users.c.email)
    )
    return [(to_user(r), Role(r["role"])) for r in conn.execute(q).mappings()]


def add_api_token(conn: Connection, user_id: int, name: str, token_hash: str, at: datetime) -> int:
    result = conn.execute(
        insert(api_tokens).values(user_id=user_id, name=name, token_hash=token_hash, created_at=at)
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def user_by_token_hash(conn: Connection, token_hash: str) -> User | None:
    q = (
        select(users)
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == token_hash)
    )
    row = conn.execute(q).mappings().first()
    return to_user(row) if row else None
