"""Workspaces (a brand or a client) and their members."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clairon.domain import Action, Role, User, Workspace
from clairon.errors import Conflict, NotFound, PermissionDenied, Problem, ValidationFailed
from clairon.services.context import Actor, Context, audit, authorize
from clairon.store import workspaces as repo

__all__ = [
    "create_workspace",
    "get_workspace",
    "invite_member",
    "list_members",
    "list_my_workspaces",
    "set_approval_policy",
    "validate_timezone",
]

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def validate_timezone(name: str, location: str = "timezone") -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"unknown time zone '{name}' (use an IANA name such as Europe/Paris)", location
        ) from None
    return name


def _slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "workspace"


def create_workspace(
    ctx: Context,
    actor: Actor,
    name: str,
    *,
    timezone: str = "Europe/Paris",
    languages: Sequence[str] = ("fr", "en"),
    slug: str | None = None,
    require_approval: bool | None = None,
) -> Workspace:
    problems: list[Problem] = []
    if not name.strip():
        problems.append(Problem("name", "must not be empty"))
    try:
        validate_timezone(timezone)
    except ValidationFailed as exc:
        problems += exc.problems
    langs = [lang.strip() for lang in languages if lang.strip()]
    for i, lang in enumerate(langs):
        if not _LANG.match(lang):
            problems.append(Problem(f"languages[{i}]", f"'{lang}' is not a language code"))
    if problems:
        raise ValidationFailed(problems)
    with ctx.store.transaction(write_lock=True) as conn:
        base = slug or _slugify(name)
        candidate, n = base, 1
        while repo.workspace_by_slug(conn, candidate) is not None:
            if slug:
                raise Conflict(f"workspace slug '{slug}' is taken")
            n += 1
            candidate = f"{base}-{n}"
        ws = repo.insert_workspace(
            conn,
            name=name.strip(),
            slug=candidate,
            timezone=timezone,
            languages=langs or ["en"],
            require_approval=(
                ctx.settings.require_approval if require_approval is None else require_approval
            ),
            settings={},
            created_at=ctx.now(),
        )
        if actor.user_id is not None:
            repo.set_membership(conn, ws.id, actor.user_id, Role.owner)
        audit(
            conn,
            ctx,
            actor,
            ws.id,
            "workspace.create",
            "workspace",
            ws.id,
            after={"name": ws.name, "timezone": timezone},
        )
    return ws


def get_workspace(ctx: Context, actor: Actor, workspace_id: int) -> Workspace:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        ws = repo.get_workspace(conn, workspace_id)
    if ws is None:
        raise NotFound(f"workspace {workspace_id} not found")
    return ws


def list_my_workspaces(ctx: Context, actor: Actor) -> list[tuple[Workspace, Role]]:
    if actor.user_id is None:
        return []
    with ctx.store.transaction() as conn:
        return repo.list_workspaces_of(conn, actor.user_id)


def invite_member(
    ctx: Context, actor: Actor, workspace_id: int, email: str, role: Role, name: str = ""
) -> User:
    """Add (or change the role of) a member; creates the user account if needed."""
    from clairon.services.users import create_user

    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.manage)
        user = repo.get_user_by_email(conn, email.strip().lower())
    if user is None:
        user = create_user(ctx, email, name, actor=actor)
    with ctx.store.transaction() as conn:
        current = repo.get_membership(conn, workspace_id, user.id)
        if current is not None and current.role == Role.owner and role != Role.owner:
            owners = [u for u, r in repo.list_members(conn, workspace_id) if r == Role.owner]
            if len(owners) == 1:
                raise PermissionDenied("a workspace must keep at least one owner")
        repo.set_membership(conn, workspace_id, user.id, role)
        audit(
            conn,
            ctx,
            actor,
            workspace_id,
            "member.set",
            "user",
            user.id,
            before={"role": current.role if current else None},
            after={"role": role},
        )
    return user


def list_members(ctx: Context, actor: Actor, workspace_id: int) -> list[tuple[User, Role]]:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        return repo.list_members(conn, workspace_id)


def set_approval_policy(ctx: Context, actor: Actor, workspace_id: int, required: bool) -> None:
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.manage)
        ws = repo.get_workspace(conn, workspace_id)
        assert ws is not None
        repo.update_workspace(conn, workspace_id, require_approval=required)
        audit(
            conn,
            ctx,
            actor,
            workspace_id,
            "workspace.approval_policy",
            "workspace",
            workspace_id,
            before={"require_approval": ws.require_approval},
            after={"require_approval": required},
        )
