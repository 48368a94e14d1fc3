"""Every table. Only the store package writes SQL against these."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from clairon.store.types import UTCDateTime

__all__ = [
    "accounts",
    "api_tokens",
    "audit_events",
    "campaigns",
    "inbox_items",
    "jobs",
    "kb_entries",
    "media",
    "memberships",
    "metadata",
    "metric_snapshots",
    "moderation_rules",
    "posts",
    "review_notes",
    "users",
    "variants",
    "workspaces",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("password_hash", String(300), nullable=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(100), nullable=False, unique=True),
    Column("timezone", String(64), nullable=False),
    Column("languages", JSON, nullable=False),
    Column("require_approval", Boolean, nullable=False, default=True),
    Column("settings", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(20), nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("network", String(40), nullable=False),
    Column("handle", String(200), nullable=False),
    Column("display_name", String(200), nullable=False, default=""),
    Column("status", String(30), nullable=False),
    Column("credentials", LargeBinary, nullable=True),  # Fernet token, never clear text
    Column("token_expires_at", UTCDateTime, nullable=True),
    Column("settings", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "network", "handle", name="uq_accounts_ws_network_handle"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("starts_at", UTCDateTime, nullable=True),
    Column("ends_at", UTCDateTime, nullable=True),
)

media = Table(
    "media",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("path", Text, nullable=False),
    Column("mime", String(100), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("duration_seconds", Float, nullable=True),
    Column("alt_text", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="SET NULL"), nullable=True),
    Column("title", String(300), nullable=False, default=""),
    Column("body", Text, nullable=False),
    Column("created_by", ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_posts_ws", "workspace_id"),
)

variants = Table(
    "variants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("network", String(40), nullable=False),
    Column("language", String(16), nullable=False),
    Column("ab_letter", String(4), nullable=False, default="A"),
    Column("text", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("media_ids", JSON, nullable=False),
    Column("scheduled_at", UTCDateTime, nullable=True),
    Column("published_at", UTCDateTime, nullable=True),
    Column("network_post_id", String(200), nullable=True),
    Column("network_url", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("first_comment", Text, nullable=False, default=""),
    Column("options", JSON, nullable=False),
    Column("ai", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", UTCDateTime, nullable=True),
    Index("ix_variants_ws_sched", "workspace_id", "scheduled_at"),
    Index("ix_variants_status_sched", "status", "scheduled_at"),
    Index("ix_variants_post", "post_id"),
)

review_notes = Table(
    "review_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("decision", String(20), nullable=False),  # submitted, approved, rejected, comment
    Column("comment", Text, nullable=False, default=""),
    Column("at", UTCDateTime, nullable=False),
)

inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("variant_id", ForeignKey("variants.id", ondelete="SET NULL"), nullable=True),
    Column("network", String(40), nullable=False),
    Column("network_item_id", String(200), nullable=False),
    Column("parent_network_id", String(200), nullable=True),
    Column("kind", String(20), nullable=False),
    Column("author_handle", String(200), nullable=False),
    Column("author_name", String(200), nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("url", Text, nullable=True),
    Column("language", String(16), nullable=True),
    Column("status", String(20), nullable=False, default="open"),
    Column("labels", JSON, nullable=False),
    Column("assignee_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("triage", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ingested_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "network_item_id", name="uq_inbox_account_item"),
    Index("ix_inbox_ws_created", "workspace_id", "created_at"),
)

metric_snapshots = Table(
    "metric_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("variant_id", ForeignKey("variants.id", ondelete="CASCADE"), nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
    Column("impressions", Integer, nullable=False, default=0),
    Column("reach", Integer, nullable=False, default=0),
    Column("reactions", Integer, nullable=False, default=0),
    Column("comments", Integer, nullable=False, default=0),
    Column("shares", Integer, nullable=False, default=0),
    Column("clicks", Integer, nullable=False, default=0),
    Column("saves", Integer, nullable=False, default=0),
    Column("video_views", Integer, nullable=False, default=0),
    Index("ix_metrics_variant_time", "variant_id", "observed_at"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", Integer, nullable=True),
    Column("actor_id", Integer, nullable=True),
    Column("action", String(80), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(80), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("before", JSON, nullable=False),
    Column("after", JSON, nullable=False),
    Index("ix_audit_ws_at", "workspace_id", "at"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("payload", JSON, nullable=False),
    Column("status", String(20), nullable=False),  # queued, running, done, dead, cancelled
    Column("run_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False, default=8),
    Column("locked_by", String(100), nullable=True),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("dedupe_key", String(200), nullable=True, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Index("ix_jobs_due", "status", "run_at"),
)

kb_entries = Table(
    "kb_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("entry_key", String(200), nullable=False),  # the id given in the imported file
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("language", String(16), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("url", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "entry_key", name="uq_kb_entries_ws_key"),
)

moderation_rules = Table(
    "moderation_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("definition", JSON, nullable=False),  # {"when": ..., "actions": [...]}
    Column("enabled", Boolean, nullable=False, default=True),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name", name="uq_moderation_rules_ws_name"),
)
