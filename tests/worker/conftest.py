"""Worker test helpers: scheduled variants, a settable clock, a scripted connector."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest

from clairon.domain import SocialAccount, Variant, VariantStatus
from clairon.errors import NetworkError, UnknownOutcome
from clairon.networks.base import Capability, Connector, PublishRequest, PublishResult
from clairon.networks.outbox import OutboxConnector
from clairon.services import posts, scheduling
from clairon.services.accounts import account_context
from clairon.services.context import Context
from clairon.store import jobs as job_repo
from clairon.store import posts as post_repo
from tests.factories import World, make_world


class Clock:
    """A clock the test moves by hand (UTC-aware)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tctx(ctx: Context, clock: Clock) -> Context:
    """The test context on a hand-moved clock."""
    return replace(ctx, clock=clock)


@pytest.fixture
def world(tctx: Context) -> World:
    return make_world(tctx, require_approval=False)


def schedule(
    ctx: Context,
    world: World,
    texts: Sequence[str],
    *,
    account_id: int | None = None,
    at: datetime | None = None,
) -> list[int]:
    """Create one post with one variant per text, scheduled at ``at`` (default: now)."""
    post = posts.create_post(
        ctx,
        world.actor,
        world.workspace.id,
        texts[0],
        [posts.VariantSpec(account_id=account_id or world.outbox.id, text=t) for t in texts],
    )
    scheduling.schedule_post(ctx, world.actor, post.id, at or ctx.now())
    return [v.id for v in post.variants]


def variant(ctx: Context, variant_id: int) -> Variant:
    with ctx.store.transaction() as conn:
        v = post_repo.get_variant(conn, variant_id)
    assert v is not None
    return v


def job(ctx: Context, key: str) -> dict[str, Any]:
    with ctx.store.transaction() as conn:
        row = job_repo.job_by_key(conn, key)
    assert row is not None
    return row


def statuses(ctx: Context, ids: Sequence[int]) -> list[VariantStatus]:
    return [variant(ctx, i).status for i in ids]


LOST = "lost"  # a step: publish for real, then lose the answer (UnknownOutcome)


@dataclass
class Script:
    """What a scripted connector does on each publish call, and what it saw.

    Steps are consumed one per call: ``None`` publishes, an exception is raised before
    anything is written, ``LOST`` publishes then raises UnknownOutcome."""

    steps: list[Any] = field(default_factory=list)
    refresh: dict[str, str] | NetworkError | None = None  # None: no refresh capability
    reconcile_error: NetworkError | None = None
    calls: list[str] = field(default_factory=list)
    refreshes: int = 0
    tokens_seen: list[str] = field(default_factory=list)

    def factory(self, ctx: Context, account: SocialAccount) -> Connector:
        caps = OutboxConnector.capabilities
        if self.refresh is not None:
            caps = caps | {Capability.refresh_token}
        cls = type("Scripted", (ScriptedConnector,), {"capabilities": caps})
        return cls(account_context(ctx, account), script=self)


class ScriptedConnector(OutboxConnector):
    capabilities: ClassVar[frozenset[Capability]] = OutboxConnector.capabilities
    max_concurrency: ClassVar[int] = 2

    def __init__(self, account: Any, *, script: Script) -> None:
        super().__init__(account)
        self.script = script

    def publish(self, request: PublishRequest) -> PublishResult:
        self.script.calls.append(request.idempotency_key)
        self.script.tokens_seen.append(self.account.credentials.get("access_token", ""))
        step = self.script.steps.pop(0) if self.script.steps else None
        if step == LOST:
            super().publish(request)
            raise UnknownOutcome("the answer was lost")
        if isinstance(step, BaseException):
            raise step
        return super().publish(request)

    def refresh_token(self) -> dict[str, str]:
        self.script.refreshes += 1
        if isinstance(self.script.refresh, NetworkError):
            raise self.script.refresh
        assert self.script.refresh is not None
        return dict(self.script.refresh)

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        if self.script.reconcile_error is not None:
            raise self.script.reconcile_error
        return super().find_published(request, since)
