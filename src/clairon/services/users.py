"""Users, passwords and API tokens."""

from __future__ import annotations

import re

from clairon.crypto import hash_password, hash_token, new_api_token, verify_password
from clairon.domain import User
from clairon.errors import Conflict, NotFound, ValidationFailed
from clairon.services.context import SYSTEM, Actor, Context, audit
from clairon.store import workspaces as repo

__all__ = ["authenticate", "create_user", "issue_api_token", "user_for_token"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_user(
    ctx: Context,
    email: str,
    name: str = "",
    password: str | None = None,
    *,
    is_admin: bool = False,
    actor: Actor = SYSTEM,
) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise ValidationFailed(f"'{email}' is not an e-mail address", "email")
    if password is not None and len(password) < 8:
        raise ValidationFailed("must be at least 8 characters", "password")
    with ctx.store.transaction() as conn:
        if repo.get_user_by_email(conn, email) is not None:
            raise Conflict(f"a user with e-mail {email} already exists")
        user = repo.insert_user(
            conn,
            email=email,
            name=name or email.split("@")[0],
            is_admin=is_admin,
            password_hash=hash_password(password) if password else None,
            created_at=ctx.now(),
        )
        audit(conn, ctx, actor, None, "user.create", "user", user.id, after={"email": email})
    return user


def authenticate(ctx: Context, email: str, password: str) -> User:
    with ctx.store.transaction() as conn:
        user = repo.get_user_by_email(conn, email.strip().lower())
        stored = repo.password_hash_of(conn, user.id) if user else None
    if user is None or not verify_password(password, stored):
        raise NotFound("unknown e-mail or wrong password")
    return user


def set_password(ctx: Context, user_id: int, password: str) -> None:
    if len(password) < 8:
        raise ValidationFailed("must be at least 8 characters", "password")
    with ctx.store.transaction() as conn:
        repo.set_password_hash(conn, user_id, hash_password(password))
        audit(conn, ctx, Actor(user_id), None, "user.password", "user", user_id)


def issue_api_token(ctx: Context, user_id: int, name: str = "api") -> str:
    """Create an API token; only its hash is stored, the token is shown once."""
    token = new_api_token()
    with ctx.store.transaction() as conn:
        if repo.get_user(conn, user_id) is None:
            raise NotFound(f"user {user_id} not found")
        repo.add_api_token(conn, user_id, name, hash_token(token), ctx.now())
        audit(
            conn, ctx, Actor(user_id), None, "token.create", "user", user_id, after={"name": name}
        )
    return token


def user_for_token(ctx: Context, token: str) -> User | None:
    with ctx.store.transaction() as conn:
        return repo.user_by_token_hash(conn, hash_token(token))


def get_user(ctx: Context, user_id: int) -> User:
    with ctx.store.transaction() as conn:
        user = repo.get_user(conn, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user
