"""Domain entities as plain dataclasses. Datetimes are always UTC-aware."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from clairon.domain.lifecycle import VariantStatus
from clairon.domain.roles import Role

__all__ = [
    "AccountStatus",
    "AuditEvent",
    "Campaign",
    "InboxItem",
    "InboxKind",
    "Media",
    "Membership",
    "MetricSnapshot",
    "Post",
    "SocialAccount",
    "User",
    "Variant",
    "Workspace",
]


@dataclass(frozen=True, slots=True)
class Workspace:
    id: int
    name: str
    slug: str
    timezone: str
    languages: tuple[str, ...]
    require_approval: bool
    created_at: datetime
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    name: str
    created_at: datetime
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class Membership:
    workspace_id: int
    user_id: int
    role: Role


class AccountStatus(StrEnum):
    active = "active"
    reconnect_needed = "reconnect_needed"
    disabled = "disabled"


@dataclass(frozen=True, slots=True)
class SocialAccount:
    id: int
    workspace_id: int
    network: str
    handle: str
    display_name: str
    status: AccountStatus
    created_at: datetime
    has_credentials: bool = False
    token_expires_at: datetime | None = None
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Media:
    id: int
    workspace_id: int
    path: str
    mime: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    alt_text: str = ""


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    workspace_id: int
    name: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Variant:
    """What one account will publish: text + media, in one language, A/B letter."""

    id: int
    post_id: int
    workspace_id: int
    account_id: int
    network: str
    language: str
    ab_letter: str
    text: str
    status: VariantStatus
    media_ids: tuple[int, ...] = ()
    scheduled_at: datetime | None = None
    published_at: datetime | None = None
    network_post_id: str | None = None
    network_url: str | None = None
    error: str | None = None
    first_comment: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    ai: dict[str, Any] = field(default_factory=dict)  # {"backend":..., "model":..., "parts":[...]}
    version: int = 1
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """A master message; variants adapt it per account/network/language."""

    id: int
    workspace_id: int
    title: str
    body: str
    created_by: int
    created_at: datetime
    campaign_id: int | None = None
    variants: tuple[Variant, ...] = ()

    @property
    def status(self) -> VariantStatus:
        """The least advanced status among the variants (draft if none)."""
        if not self.variants:
            return VariantStatus.draft
        order = list(VariantStatus)
        return min((v.status for v in self.variants), key=order.index)


class InboxKind(StrEnum):
    comment = "comment"
    reply = "reply"
    mention = "mention"
    message = "message"


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    workspace_id: int
    account_id: int
    network: str
    network_item_id: str
    kind: InboxKind
    author_handle: str
    text: str
    created_at: datetime
    variant_id: int | None = None
    parent_network_id: str | None = None
    author_name: str = ""
    url: str | None = None
    language: str | None = None
    status: str = "open"
    labels: tuple[str, ...] = ()
    assignee_id: int | None = None
    triage: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MetricSnapshot:
    variant_id: int
    observed_at: datetime
    impressions: int = 0
    reach: int = 0
    reactions: int = 0
    comments: int = 0
    shares: int = 0
    clicks: int = 0
    saves: int = 0
    video_views: int = 0

    @property
    def engagements(self) -> int:
        return self.reactions + self.comments + self.shares + self.clicks + self.saves


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    workspace_id: int | None
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    at: datetime
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
