"""What every use case receives: the settings, the store, the cipher and a clock; and who acts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import Connection

from clairon.config import Mode, Settings
from clairon.crypto import CredentialCipher
from clairon.domain import Action, Role, role_allows
from clairon.errors import NotFound, PermissionDenied
from clairon.store import Store
from clairon.store import workspaces as ws_repo
from clairon.store.audit import append_event

__all__ = ["SYSTEM", "Actor", "Context", "audit", "authorize"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a use case. ``user_id=None`` is the system (worker, scheduler)."""

    user_id: int | None
    label: str = ""

    @property
    def is_system(self) -> bool:
        return self.user_id is None


SYSTEM = Actor(None, "system")


@dataclass
class Context:
    settings: Settings
    store: Store
    cipher: CredentialCipher
    clock: Callable[[], datetime] = _utcnow
    http_factory: Callable[[], httpx.Client] | None = None
    extras: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, *, migrate: bool = True) -> Context:
        store = Store.from_url(settings.resolved_database_url, create=migrate)
        return cls(
            settings=settings, store=store, cipher=CredentialCipher(settings.encryption_key_list)
        )

    def shared_http(self) -> httpx.Client:
        """One pooled HTTP client for this context's connectors (closed by :meth:`close`).
        Connectors send per-account headers per request, never on the client."""
        client = self.extras.get("shared_http")
        if not isinstance(client, httpx.Client):
            client = httpx.Client(timeout=self.settings.http_timeout_seconds)
            self.extras["shared_http"] = client
        return client

    def close(self) -> None:
        """Release the database pool and the shared HTTP client."""
        client = self.extras.pop("shared_http", None)
        if isinstance(client, httpx.Client):
            client.close()
        self.store.dispose()

    def now(self) -> datetime:
        value = self.clock()
        if value.tzinfo is None:
            raise ValueError("the clock must return UTC-aware datetimes")
        return value

    @property
    def development(self) -> bool:
        return self.settings.mode != Mode.production


def authorize(conn: Connection, actor: Actor, workspace_id: int, action: Action) -> Role:
    """The actor's role in the workspace, if it allows ``action``.

    Not a member → :class:`NotFound` (the workspace's existence is not revealed);
    member without the right → :class:`PermissionDenied`."""
    if actor.is_system:
        return Role.owner
    assert actor.user_id is not None
    membership = ws_repo.get_membership(conn, workspace_id, actor.user_id)
    if membership is None:
        raise NotFound(f"workspace {workspace_id} not found")
    if not role_allows(membership.role, action):
        raise PermissionDenied(
            f"your role '{membership.role}' does not allow '{action}' in this workspace"
        )
    return membership.role


def audit(
    conn: Connection,
    ctx: Context,
    actor: Actor,
    workspace_id: int | None,
    action: str,
    object_type: str,
    object_id: object,
    *,
    before: dict[str, object] | None = None,
    after: dict[str, object] | None = None,
) -> None:
    """Record one state change (who, what, when, before/after summary)."""
    append_event(
        conn,
        workspace_id=workspace_id,
        actor_id=actor.user_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        at=ctx.now(),
        before=_jsonable(before),
        after=_jsonable(after),
    )


def _jsonable(data: dict[str, object] | None) -> dict[str, object]:
    if not data:
        return {}
    out: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif isinstance(value, str | int | float | bool) or value is None:
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = [v if isinstance(v, str | int | float | bool) else str(v) for v in value]
        else:
            out[key] = str(value)
    return out
