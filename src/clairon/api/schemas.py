"""Request and response bodies of the HTTP API (pydantic v2).

Datetimes are ISO-8601 with an offset; a naive datetime in a request is refused
(``AwareDatetime``: "Input should have timezone info"). Unknown request fields are refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from clairon.domain import AccountStatus, InboxKind, Role, VariantStatus

__all__ = [
    "AccountIn",
    "AccountOut",
    "ApprovalPolicyIn",
    "InboxItemOut",
    "InboxStatusIn",
    "MediaOut",
    "MemberIn",
    "MemberOut",
    "MetricOut",
    "Page",
    "PostIn",
    "PostOut",
    "ReviewIn",
    "ReviewNoteOut",
    "ScheduleIn",
    "TokenIn",
    "TokenOut",
    "UserOut",
    "VariantEditIn",
    "VariantIn",
    "VariantOut",
    "VariantsIn",
    "WorkspaceIn",
    "WorkspaceOut",
]

T = TypeVar("T")


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list; ``total`` counts every item matching the query."""

    items: list[T]
    total: int
    limit: int
    offset: int


# --- users and tokens ---------------------------------------------------------------------


class TokenIn(RequestModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    name: str = Field("api", max_length=100, description="A label for the token.")


class UserOut(ResponseModel):
    id: int
    email: str
    name: str
    is_admin: bool = False


class TokenOut(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown only once.")
    token_type: str = "bearer"
    user: UserOut


# --- workspaces and members ---------------------------------------------------------------


class WorkspaceIn(RequestModel):
    name: str = Field(max_length=200)
    timezone: str = Field("Europe/Paris", description="IANA time zone name.")
    languages: list[str] = Field(default_factory=lambda: ["fr", "en"], max_length=20)
    slug: str | None = Field(None, max_length=100)
    require_approval: bool | None = None


class WorkspaceOut(ResponseModel):
    id: int
    name: str
    slug: str
    timezone: str
    languages: list[str]
    require_approval: bool
    created_at: datetime
    role: Role | None = Field(None, description="The caller's role in this workspace.")


class ApprovalPolicyIn(RequestModel):
    require_approval: bool


class MemberIn(RequestModel):
    email: str = Field(max_length=320)
    role: Role
    name: str = Field("", max_length=200)


class MemberOut(BaseModel):
    user: UserOut
    role: Role


# --- accounts and media -------------------------------------------------------------------


class AccountIn(RequestModel):
    network: str = Field(max_length=50)
    handle: str = Field(max_length=300)
    credentials: dict[str, str] = Field(
        default_factory=dict, description="Stored encrypted; never returned."
    )
    display_name: str = Field("", max_length=300)
    token_expires_at: AwareDatetime | None = None
    settings: dict[str, Any] = Field(default_factory=dict)


class AccountOut(ResponseModel):
    id: int
    workspace_id: int
    network: str
    handle: str
    display_name: str
    status: AccountStatus
    created_at: datetime
    has_credentials: bool
    token_expires_at: datetime | None = None
    settings: dict[str, Any]


class MediaOut(ResponseModel):
    id: int
    workspace_id: int
    mime: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    alt_text: str = ""


# --- posts, variants and review -----------------------------------------------------------


class VariantIn(RequestModel):
    account_id: int
    language: str = Field("", max_length=20, description="Empty: the workspace's first language.")
    text: str = Field("", description="Empty: the post's body.")
    ab_letter: str = Field("A", max_length=2)
    media_ids: list[int] = Field(default_factory=list, max_length=50)
    first_comment: str = ""
    options: dict[str, Any] = Field(default_factory=dict)


class PostIn(RequestModel):
    body: str = ""
    title: str = Field("", max_length=300)
    variants: list[VariantIn] = Field(default_factory=list, max_length=100)
    campaign_id: int | None = None


class VariantsIn(RequestModel):
    variants: list[VariantIn] = Field(min_length=1, max_length=100)


class VariantEditIn(RequestModel):
    text: str | None = None
    media_ids: list[int] | None = Field(None, max_length=50)
    first_comment: str | None = None
    options: dict[str, Any] | None = None


class VariantOut(ResponseModel):
    id: int
    post_id: int
    workspace_id: int
    account_id: int
    network: str
    language: str
    ab_letter: str
    text: str
    status: VariantStatus
    media_ids: list[int]
    scheduled_at: datetime | None = None
    published_at: datetime | None = None
    network_post_id: str | None = None
    network_url: str | None = None
    error: str | None = None
    first_comment: str = ""
    options: dict[str, Any]
    ai: dict[str, Any]
    version: int
    updated_at: datetime | None = None


class PostOut(ResponseModel):
    id: int
    workspace_id: int
    title: str
    body: str
    status: VariantStatus = Field(description="The least advanced status among the variants.")
    created_by: int
    created_at: datetime
    campaign_id: int | None = None
    variants: list[VariantOut]


class ReviewIn(RequestModel):
    comment: str = Field("", max_length=5000)


class ReviewNoteOut(BaseModel):
    id: int
    post_id: int
    user_id: int
    decision: str
    comment: str
    at: datetime


class ScheduleIn(RequestModel):
    scheduled_at: AwareDatetime = Field(description="ISO-8601 with an offset, e.g. ...T09:30+02:00")


# --- inbox and metrics --------------------------------------------------------------------


class InboxItemOut(ResponseModel):
    id: int
    workspace_id: int
    account_id: int
    network: str
    network_item_id: str
    kind: InboxKind
    author_handle: str
    author_name: str = ""
    text: str
    created_at: datetime
    variant_id: int | None = None
    parent_network_id: str | None = None
    url: str | None = None
    language: str | None = None
    status: str
    labels: list[str]
    assignee_id: int | None = None


class InboxStatusIn(RequestModel):
    status: str = Field(description="open, done, hidden or deleted.")


class MetricOut(ResponseModel):
    variant_id: int
    observed_at: datetime
    impressions: int
    reach: int
    reactions: int
    comments: int
    shares: int
    clicks: int
    saves: int
    video_views: int
    engagements: int
